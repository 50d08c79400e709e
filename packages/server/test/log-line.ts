import type { LogLine } from '../src/requests/line';

/** A request-log line as the gate hook pushes one: a gated GET let through, with what `over` changes. */
export const logLine = (over: Partial<LogLine> = {}): LogLine => ({
  at: 1_700_000_000_000,
  requestId: crypto.randomUUID(),
  kind: 'api',
  appId: 'app-1',
  tenantId: '985798691',
  environment: 'integration',
  method: 'GET',
  route: 'GET /crm/v2/tenant/{tenant}/customers',
  status: 200,
  errorCode: null,
  latencyMs: 1.25,
  scope: null,
  ...over,
});
