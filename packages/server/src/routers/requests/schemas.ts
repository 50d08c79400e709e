import { ENVIRONMENTS, pageOutputSchema, REQUEST_KINDS, requestLogInputSchema } from '@gatehouse/domain';
import { z } from 'zod';

const appId = z.string().max(100);
const connectionId = z.string().max(100);

/** A developer's app's request log, every tenant (the filters may name one). */
export const appLogInput = requestLogInputSchema.extend({ appId });
/** A tenant admin's view of one connection's calls: that app, that tenant, that environment only. */
export const connectionLogInput = requestLogInputSchema.extend({ connectionId });

export const requestLineOutput = z.object({
  id: z.string(),
  at: z.date(),
  requestId: z.string(),
  kind: z.enum(REQUEST_KINDS),
  tenantId: z.string().nullable(),
  environment: z.enum(ENVIRONMENTS),
  method: z.string(),
  route: z.string(),
  status: z.number().int(),
  errorCode: z.string().nullable(),
  latencyMs: z.number(),
});
export const requestLogOutput = pageOutputSchema(requestLineOutput);

const days = z.number().int().min(1).max(90).default(30);
export const appLatencyInput = z.object({
  appId,
  days,
  environment: z.enum(ENVIRONMENTS).optional(),
  tenantId: z
    .string()
    .trim()
    .regex(/^\d{1,18}$/, 'A Tenant ID is a number, like 985798691')
    .optional(),
});
export const connectionLatencyInput = z.object({ connectionId, days });
/** Latency per endpoint per day, oldest day first; p50/p95 in ms (bucket bounds), null without calls. */
export const latencyOutput = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      day: z.string(),
      endpoint: z.string(),
      calls: z.number().int(),
      p50: z.number().nullable(),
      p95: z.number().nullable(),
    }),
  ),
});

export const appScopeUseInput = z.object({ appId });
export const connectionScopeUseInput = z.object({ connectionId });
/**
 * The least-privilege advisor: of the scopes of the latest version (the
 * connection's accepted version, for a tenant admin), which a call needed in
 * the last SCOPE_USE_DAYS days, and which none did.
 */
export const scopeUseOutput = z.object({
  version: z.number().int().nullable(),
  since: z.date(),
  used: z.array(z.object({ scope: z.string(), lastUsedAt: z.date() })),
  unused: z.array(z.string()),
});
