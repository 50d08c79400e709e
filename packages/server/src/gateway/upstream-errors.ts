/**
 * How a failed upstream call is read: which errors say the upstream is unreachable, which that it did not
 * answer in time, and which say nothing about it.
 */

/**
 * Errors of a connection that failed or broke before any answer: the upstream is unreachable. Other errors
 * (TLS, a garbled answer) count against the upstream too, but only these are worth a second try.
 */
export const CONNECTION_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/** No answer in time: a connection that never came (the upstream's doing), or headers that did not. */
export const TIMEOUTS: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Errors of the request or of this side, which say nothing about the upstream's health. */
export const NOT_THE_UPSTREAMS: ReadonlySet<string> = new Set([
  'UND_ERR_ABORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

export function codeOf(error: unknown): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

export function messageOf(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Why a call's deadline signal aborted it: no answer within the upstream's timeout. */
export const DEADLINE_PASSED = new Error('No answer within the deadline');

/**
 * The deadline of a call that must have its answer within `ms`, whether it waits for a free connection or
 * for the upstream: `signal` aborts at the deadline (reason DEADLINE_PASSED) or when the client's does, and
 * `expired` rejects then, since undici leaves a call that waits for a connection in its queue until one is
 * free (it is dropped unsent then). `clear()` once the answer's headers are in: from then on only the
 * client's going away stops the call.
 */
export class Deadline {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  readonly expired: Promise<never>;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number, client: AbortSignal | undefined) {
    const abort = (reason: unknown) => this.controller.abort(reason);
    this.timer = setTimeout(abort, ms, DEADLINE_PASSED);
    if (client?.aborted) abort(client.reason);
    else client?.addEventListener('abort', () => abort(client.reason), { once: true });
    this.expired = new Promise<never>((_resolve, reject) => {
      if (this.signal.aborted) reject(this.signal.reason);
      else this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true });
    });
    // Nobody may be waiting on it any longer by the time it rejects.
    this.expired.catch(() => {});
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** Why a call has no answer from the upstream, as the client is told (never a rejection). */
export interface UpstreamRefusal {
  ok: false;
  status: 429 | 502 | 503 | 504;
  error: 'rate_limited' | 'bad_gateway' | 'upstream_unavailable' | 'gateway_timeout';
  description: string;
  /** While the circuit is open, or the caller has too many calls under way: when to try again. */
  retryAfterSeconds?: number;
}

/** An upstream's refusals that never change, made once: they name the area, never its address. */
export function refusalsOf(areaName: string) {
  const refusal = (
    status: UpstreamRefusal['status'],
    error: UpstreamRefusal['error'],
    description: string,
    retryAfterSeconds?: number,
  ): Readonly<UpstreamRefusal> => ({
    ok: false,
    status,
    error,
    description,
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });
  return {
    unreachable: refusal(502, 'bad_gateway', `The ${areaName} service could not be reached.`),
    late: refusal(504, 'gateway_timeout', `The ${areaName} service did not answer in time.`),
    tooMany: refusal(
      429,
      'rate_limited',
      `Too many calls in flight to the ${areaName} service for this app and tenant; try again in 1 s.`,
      1,
    ),
    unavailable: (seconds: number) =>
      refusal(
        503,
        'upstream_unavailable',
        `The ${areaName} service is unavailable; try again in ${seconds} s.`,
        seconds,
      ),
  };
}
