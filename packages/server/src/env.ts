import path from 'node:path';
import { z } from 'zod';

/** Repository root: the embedded database lives in `data/` there unless told otherwise. */
const repoRoot = path.resolve(import.meta.dirname, '../../..');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path (`file:` prefix optional). */
  DATABASE_URL: z.string().default(`file:${path.join(repoRoot, 'data', 'gatehouse.db')}`),
  /**
   * Public base URL: token issuers and audiences (`PUBLIC_URL/integration`), the OAuth metadata and
   * links shown to users. Defaults to http://localhost:PORT, the URL the server prints; never taken
   * from a request's Host header.
   */
  PUBLIC_URL: z.string().url().transform((u) => u.replace(/\/+$/, '')).optional(),
  /** Shares the API rate limit between instances; without it each instance limits on its own. */
  REDIS_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

export const paths = {
  repoRoot,
  developerPortalDist: path.join(repoRoot, 'apps', 'developer-portal', 'dist'),
  adminConsoleDist: path.join(repoRoot, 'apps', 'admin-console', 'dist'),
};
