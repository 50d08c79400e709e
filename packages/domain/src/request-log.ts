import { z } from 'zod';
import { ENVIRONMENTS } from './connection';
import { pageInputSchema } from './paging';

/** What a request-log line records: a resource-API call or a token request. */
export const REQUEST_KINDS = ['api', 'token'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
/** Days a request-log line is kept unless `REQUEST_LOG_DAYS` says otherwise. */
export const REQUEST_LOG_DAYS = 30;
/** The advisor's window: a scope no call needed in this many days is "unused". */
export const SCOPE_USE_DAYS = 30;

/**
 * Latency buckets (upper bounds in ms): each call counts in the first bucket
 * whose bound is at least its latency, the last for anything slower. p50 and
 * p95 are read off the counts (`percentileOf`), within a bucket's width.
 */
export const LATENCY_BOUNDS_MS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000,
  30000,
] as const;

export function latencyBucketOf(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= LATENCY_BOUNDS_MS[i]!) return i;
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The `q`-quantile (0–1) of counts per bucket, as the upper bound of the
 * bucket it falls in (the slowest bucket: its lower bound); null without calls.
 */
export function percentileOf(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return LATENCY_BOUNDS_MS[Math.min(i, LATENCY_BOUNDS_MS.length - 1)]!;
  }
  return LATENCY_BOUNDS_MS.at(-1)!;
}

const isoMoment = z.coerce.date({ error: 'Enter a date and time' });

/** The request log's filters; every one optional, all of them together narrow. */
export const requestLogFiltersSchema = z
  .object({
    statusClass: z.enum(STATUS_CLASSES).optional(),
    errorCode: z
      .string()
      .trim()
      .regex(/^[a-z_]{1,40}$/, 'An error code, like invalid_token')
      .optional(),
    tenantId: z
      .string()
      .trim()
      .regex(/^\d{1,18}$/, 'A Tenant ID is a number, like 985798691')
      .optional(),
    environment: z.enum(ENVIRONMENTS).optional(),
    /** A route template as the log shows it, like `GET /api/v2/tenant/{tenant}/jobs`, or `token`. */
    endpoint: z.string().trim().max(200).optional(),
    kind: z.enum(REQUEST_KINDS).optional(),
    from: isoMoment.optional(),
    to: isoMoment.optional(),
  })
  .refine((f) => !(f.from && f.to) || f.from <= f.to, {
    message: 'The start must come before the end',
    path: ['to'],
  });
export type RequestLogFilters = z.infer<typeof requestLogFiltersSchema>;

export const requestLogInputSchema = pageInputSchema(50, 200).extend({
  filters: requestLogFiltersSchema.default({}),
});

export interface RequestLogLine {
  id: string;
  at: Date;
  requestId: string;
  kind: RequestKind;
  appId: string;
  tenantId: string | null;
  environment: (typeof ENVIRONMENTS)[number];
  method: string;
  /** The route template, `{tenant}` and ids left as placeholders; `token` for token requests. */
  route: string;
  status: number;
  /** RFC 6750 / RFC 6749 error code of a refusal (`invalid_token`, `insufficient_scope`, `invalid_client`, …). */
  errorCode: string | null;
  latencyMs: number;
}
