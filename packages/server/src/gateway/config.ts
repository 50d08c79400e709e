import fs from 'node:fs';
import { type CatalogArea, isKnownScope, SCOPE_CATALOG } from '@gatehouse/domain';
import { z } from 'zod';

/**
 * Gateway mode's configuration: which API areas go to the platform's own services, and which scope each
 * route needs. `GATEHOUSE_UPSTREAMS` holds a JSON object from an area's URL segment to a base URL;
 * `GATEHOUSE_GATEWAY_CONFIG` names a JSON file that may say the same and more (per-upstream timeouts,
 * route rules, the circuit breaker). Areas with no upstream keep the built-in demo resources.
 */

/** Each API area by its URL segment. */
export const AREA_BY_PATH: ReadonlyMap<string, CatalogArea> = new Map(
  SCOPE_CATALOG.map((area) => [area.path, area]),
);
const AREA_PATHS = SCOPE_CATALOG.map((area) => area.path).join(', ');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type GatewayMethod = (typeof METHODS)[number];

/** `http(s)://host[:port][/base/path]`: no credentials, query or fragment; a trailing slash is dropped. */
const baseUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        !url.username &&
        !url.password &&
        !url.search &&
        !url.hash
      );
    } catch {
      return false;
    }
  }, 'an http:// or https:// base URL without credentials, query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

const breakerFields = {
  /** Consecutive failures (connection errors, timeouts) that open the circuit. */
  failures: z.number().int().min(1).max(1000),
  /** How long an open circuit answers 503 before one call may try the upstream again. */
  cooldownMs: z.number().int().min(10).max(600_000),
};
const breakerSchema = z.strictObject({
  failures: breakerFields.failures.default(5),
  cooldownMs: breakerFields.cooldownMs.default(10_000),
});
export type BreakerConfig = z.infer<typeof breakerSchema>;

/** A base URL, or an object with the URL and its settings. */
const upstreamSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { url: value } : value),
  z.strictObject({
    url: baseUrl,
    /** How long the upstream may take to answer with its headers (ms); then the caller gets 504. */
    timeoutMs: z.number().int().min(10).max(600_000).optional(),
    /** Keep-alive connections to this upstream, at most. */
    connections: z.number().int().min(1).max(1024).optional(),
    /** Only what it names: zod fills defaults in even under .partial(), which would hide the file's. */
    breaker: z.strictObject(breakerFields).partial().optional(),
  }),
);

/** A route pattern: `/crm/v2/tenant/{tenant}/customers/*\/merge`; `*` is one segment, `**` (last) the rest. */
const routeSchema = z.strictObject({
  method: z
    .union([z.enum(METHODS), z.array(z.enum(METHODS)).min(1)])
    .optional()
    .transform((method) => (method === undefined ? undefined : [method].flat())),
  path: z.string().regex(/^\/[^?#\s]*$/, 'a path starting with /, without query or spaces'),
  /** A catalog scope the route needs, or `deny` to refuse it whatever the token holds. */
  scope: z.string().refine((scope) => scope === 'deny' || isKnownScope(scope), 'a catalog scope or "deny"'),
});

export const gatewayFileSchema = z.strictObject({
  upstreams: z.record(z.string(), upstreamSchema).default({}),
  routes: z.array(routeSchema).default([]),
  breaker: breakerSchema.prefault({}),
});

/** One area's upstream, resolved: every setting has its value. */
export interface UpstreamConfig {
  area: CatalogArea;
  url: string;
  timeoutMs: number;
  connections: number;
  breaker: BreakerConfig;
}

export interface RouteRule {
  methods: readonly GatewayMethod[] | undefined;
  /** The pattern as configured: the usage report counts the rule's calls under it. */
  path: string;
  segments: readonly string[];
  scope: string | null;
}

export interface GatewayConfig {
  /** By the area's URL segment (`crm`, `jpm`). Empty: no gateway, every area answers from the demo data. */
  upstreams: ReadonlyMap<string, UpstreamConfig>;
  /** Tried in order before the catalog's default; the first that matches decides. */
  routes: readonly RouteRule[];
}

export const NO_GATEWAY: GatewayConfig = { upstreams: new Map(), routes: [] };

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTIONS = 128;

function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');
}

const asObject = (entry: unknown) => (typeof entry === 'string' ? { url: entry } : entry);

/**
 * The variable's upstreams over the file's: an area in both keeps the file's settings (timeout, breaker)
 * for whatever the variable does not say, usually everything but the URL.
 */
function mergeUpstreams(file: unknown, env: Record<string, unknown>): unknown {
  if (typeof file !== 'object' || file === null) return file ?? env;
  const merged: Record<string, unknown> = { ...file };
  for (const [area, entry] of Object.entries(env)) {
    const before = asObject(merged[area]);
    merged[area] =
      typeof before === 'object' && before !== null ? { ...before, ...(asObject(entry) as object) } : entry;
  }
  return merged;
}

/**
 * Reads and checks the gateway configuration: the file first, then `GATEHOUSE_UPSTREAMS` over it (an area
 * in both goes where the variable says, with the file's settings for what the variable leaves out). Throws an Error whose message says what is wrong and where.
 */
export function readGatewayConfig(options: { upstreams?: string; file?: string }): GatewayConfig {
  let fromFile: z.input<typeof gatewayFileSchema> = {};
  if (options.file) {
    let text: string;
    try {
      text = fs.readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new Error(`GATEHOUSE_GATEWAY_CONFIG: cannot read ${options.file} (${(error as Error).message}).`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch (error) {
      throw new Error(`GATEHOUSE_GATEWAY_CONFIG: ${options.file} is not JSON (${(error as Error).message}).`);
    }
  }
  let fromEnv: unknown = {};
  if (options.upstreams?.trim()) {
    try {
      fromEnv = JSON.parse(options.upstreams);
    } catch (error) {
      throw new Error(
        `GATEHOUSE_UPSTREAMS is not JSON (${(error as Error).message}); expected e.g. {"crm":"http://10.0.0.5:8080"}.`,
      );
    }
    const envParsed = z.record(z.string(), upstreamSchema).safeParse(fromEnv);
    if (!envParsed.success) throw new Error(`GATEHOUSE_UPSTREAMS: ${problemsOf(envParsed.error)}`);
  }
  const merged =
    typeof fromFile === 'object' && fromFile !== null
      ? {
          ...fromFile,
          upstreams: mergeUpstreams(fromFile.upstreams, fromEnv as Record<string, unknown>),
        }
      : fromFile;
  const parsed = gatewayFileSchema.safeParse(merged);
  if (!parsed.success) {
    const where = options.file ? `GATEHOUSE_GATEWAY_CONFIG (${options.file})` : 'GATEHOUSE_UPSTREAMS';
    throw new Error(`${where}: ${problemsOf(parsed.error)}`);
  }
  return resolveGateway(parsed.data);
}

/** Checks what the schema cannot (areas, patterns) and fills in the defaults. */
export function resolveGateway(file: z.output<typeof gatewayFileSchema>): GatewayConfig {
  const upstreams = new Map<string, UpstreamConfig>();
  for (const [areaPath, upstream] of Object.entries(file.upstreams)) {
    const area = AREA_BY_PATH.get(areaPath);
    if (!area)
      throw new Error(
        `Gateway: "${areaPath}" is not an API area's URL segment; the areas are ${AREA_PATHS}.`,
      );
    upstreams.set(areaPath, {
      area,
      url: upstream.url,
      timeoutMs: upstream.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      connections: upstream.connections ?? DEFAULT_CONNECTIONS,
      breaker: { ...file.breaker, ...upstream.breaker },
    });
  }
  const routes = file.routes.map((route, index): RouteRule => {
    const segments = route.path.slice(1).split('/');
    const where = `Gateway route ${index + 1} (${route.path})`;
    if (segments[1] !== 'v2' || segments[2] !== 'tenant' || segments[3] !== '{tenant}' || !segments[4])
      throw new Error(`${where}: a route reads /<area>/v2/tenant/{tenant}/<resource>[/…].`);
    if (!upstreams.has(segments[0]!))
      throw new Error(`${where}: the area "${segments[0]}" has no upstream, so the rule would never apply.`);
    for (const [i, segment] of segments.entries()) {
      if (segment === '**' && i !== segments.length - 1)
        throw new Error(`${where}: "**" may only end a pattern.`);
      if (i !== 3 && segment.includes('{')) throw new Error(`${where}: only {tenant} is a placeholder.`);
      if (segment === '' || segment === '.' || segment === '..')
        throw new Error(`${where}: empty, "." and ".." segments are not allowed.`);
    }
    return {
      methods: route.method,
      path: route.path,
      segments,
      scope: route.scope === 'deny' ? null : route.scope,
    };
  });
  return { upstreams, routes };
}
