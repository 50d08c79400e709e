import { z } from 'zod';
import type { GatewayView } from '../../gateway/health';

const upstreamHealthOutput = z.object({
  /** The area's URL segment (`crm`) and its name in the catalog (`CRM`). */
  area: z.string(),
  areaName: z.string(),
  url: z.string(),
  timeoutMs: z.number().int(),
  circuit: z.enum(['closed', 'open', 'half-open']),
  /** While open: when one call may try the upstream again. */
  openUntil: z.date().nullable(),
  consecutiveFailures: z.number().int(),
  failureThreshold: z.number().int(),
  lastError: z.object({ message: z.string(), at: z.date() }).nullable(),
  lastSuccessAt: z.date().nullable(),
  calls: z.number().int(),
  failures: z.number().int(),
  inFlight: z.number().int(),
});

const routeRuleOutput = z.object({
  /** null: any method. */
  methods: z.array(z.string()).nullable(),
  path: z.string(),
  /** null: refused whatever the token holds. */
  scope: z.string().nullable(),
});

/** The gateway as this server instance sees it; `satisfies` keeps the schema and the health contract in step. */
export const gatewayViewOutput = z.object({
  upstreams: z.array(upstreamHealthOutput),
  routes: z.array(routeRuleOutput),
}) satisfies z.ZodType<GatewayView>;
