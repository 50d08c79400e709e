import type { Environment, RequestKind } from '@gatehouse/domain';

/**
 * One request as the log keeps it, pushed by the gate hook or the token endpoint once the answer went
 * out. Every field is a value the request already had: pushing one builds no string.
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

/**
 * A UUID whose first 48 bits are the time (the layout of version 7): lines written in time order land at
 * the end of the id index instead of at random places in it, which keeps a large log cheap to add to.
 */
export function timeOrderedId(ms: number): string {
  const time = Math.floor(ms).toString(16).padStart(12, '0');
  const random = crypto.randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

/**
 * The least id `timeOrderedId` gives at `ms`: every line of an earlier moment has a smaller id, so the
 * primary key alone finds the lines older than a moment, with no index on the time for that.
 */
export function firstIdAt(ms: number): string {
  const time = Math.floor(ms).toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-0000-0000-000000000000`;
}
