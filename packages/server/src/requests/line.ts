import type { Environment, RequestKind } from '@gatehouse/domain';

/**
 * One request as the log keeps it, pushed by the gate hook or the token endpoint once the answer went
 * out. Every field is a value the request already had; the writer adds it to its block (blocks.ts).
 */
export interface LogLine {
  /** When the answer went out (epoch ms). */
  at: number;
  /** The id sent back as `x-request-id`. */
  requestId: string;
  kind: RequestKind;
  appId: string;
  /** Null until the token proved a tenant (or, for a token request, the client named its connection). */
  tenantId: string | null;
  environment: Environment;
  method: string;
  /** The route template: one string per route, made once (see resource-api/targets.ts). */
  route: string;
  status: number;
  /** The RFC 6750 / 6749 error code the answer named, if it was a refusal. */
  errorCode: string | null;
  latencyMs: number;
  /** The scope an admitted call needed: what the least-privilege advisor counts. */
  scope: string | null;
}

/** The route every token request is logged under: the environment is a column of its own. */
export const TOKEN_ROUTE = 'POST /{environment}/connect/token';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (UTC) of epoch ms, the last answer kept so that a batch of one day computes it once. */
export class UtcDays {
  private starts = 0;
  private ends = 0;
  private day = '';

  of(ms: number): string {
    if (ms >= this.ends || ms < this.starts) {
      this.starts = ms - (ms % DAY_MS);
      this.ends = this.starts + DAY_MS;
      this.day = new Date(this.starts).toISOString().slice(0, 10);
    }
    return this.day;
  }
}

/** The UTC day `days` before the day of `now`, as `YYYY-MM-DD`. */
export function dayBefore(now: number, days: number): string {
  return new Date(now - days * DAY_MS).toISOString().slice(0, 10);
}
