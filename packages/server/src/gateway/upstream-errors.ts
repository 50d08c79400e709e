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
 * A signal for a call that must have its answer within `ms`, whether it waits for a free connection or
 * for the upstream: aborted at the deadline (reason DEADLINE_PASSED) or when `client` is. `clear()` once
 * the answer's headers are in, from when only the client's going away stops the call.
 */
export function deadline(
  ms: number,
  client: AbortSignal | undefined,
): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(DEADLINE_PASSED), ms);
  timer.unref();
  if (client?.aborted) controller.abort(client.reason);
  else client?.addEventListener('abort', () => controller.abort(client.reason), { once: true });
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
