import fs from 'node:fs';
import path from 'node:path';
import { REQUEST_LOG_DAYS } from '@gatehouse/domain';
import { z } from 'zod';

/**
 * The repository's root, the folder holding `pnpm-workspace.yaml`: every file location is resolved from it,
 * so the same code finds them from `src/` (tsx, tests) and from the bundle in `dist/`.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`No pnpm-workspace.yaml above ${from}: start the server from its repository.`);
  }
}

const repoRoot = findRepoRoot(import.meta.dirname);

export const paths = {
  /** The embedded database, unless DATABASE_URL says otherwise. */
  embeddedDatabase: path.join(repoRoot, 'data', 'gatehouse.db'),
  developerPortalDist: path.join(repoRoot, 'apps', 'developer-portal', 'dist'),
  adminConsoleDist: path.join(repoRoot, 'apps', 'admin-console', 'dist'),
};

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** `postgres://…` for PostgreSQL; otherwise a SQLite file path (`file:` prefix optional). */
  DATABASE_URL: z.string().default(`file:${paths.embeddedDatabase}`),
  /**
   * Public base URL: token issuers and audiences (`PUBLIC_URL/integration`), the OAuth metadata and
   * links shown to users. Defaults to http://localhost:PORT, the URL the server prints; never taken
   * from a request's Host header.
   */
  PUBLIC_URL: z
    .string()
    .url()
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /**
   * Behind a reverse proxy or load balancer: the proxies whose X-Forwarded-For to believe, as a hop count
   * (`1`) or comma-separated addresses and CIDR ranges (`10.0.0.0/8,127.0.0.1`). Unset, the client address
   * is the socket's. The per-address limits (sign-in, failed API authentication) count by that address, so
   * behind a proxy it must be set; trusting every sender (`true`) is refused, as anyone could then choose
   * their own address.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(
      /^(\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/,
      'a hop count or comma-separated addresses / CIDR ranges',
    )
    .transform((value): number | string[] =>
      /^\d+$/.test(value) ? Number(value) : value.split(',').map((part) => part.trim()),
    )
    .optional(),
  /** Shares the API rate limit between instances; without it each instance limits on its own. */
  REDIS_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `1`: one log line per answered request. Off by default: the hot paths answer thousands a second. */
  ACCESS_LOG: z
    .enum(['0', '1', 'false', 'true'])
    .default('0')
    .transform((value) => value === '1' || value === 'true'),
  /** Serves Prometheus metrics at `GET /metrics` on HOST:METRICS_PORT, apart from the public port; unset, none. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** On SIGTERM or SIGINT, how long requests in flight may take to finish before their connections are cut. */
  /**
   * Gateway mode: a JSON object from an API area's URL segment to the base URL of the platform's own service
   * for it (`{"crm":"http://10.0.0.5:8080"}`). Areas with no upstream answer from the demo resources.
   */
  GATEHOUSE_UPSTREAMS: z.string().optional(),
  /** A JSON file with the gateway's upstreams, route rules and circuit breaker (see the README). */
  GATEHOUSE_GATEWAY_CONFIG: z.string().optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Days a request-log line (every API call and token request) is kept before it is deleted. */
  REQUEST_LOG_DAYS: z.coerce.number().int().min(1).max(3650).default(REQUEST_LOG_DAYS),
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
