/** The error codes a resource server answers with, as Gatehouse's own API does. */
export type RefusalError =
  | 'invalid_app_key'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable';

/** The body of a refusal: the same shape as Gatehouse's API errors. */
export interface RefusalBody {
  error: RefusalError;
  error_description: string;
  /** With `insufficient_scope`: the scope the call needs. */
  scope?: string;
}

/** A refused call: what to answer, ready to send (status, headers, JSON body). */
export interface Refusal {
  ok: false;
  status: 401 | 403 | 503;
  headers: Record<string, string>;
  body: RefusalBody;
}

const REALM = 'Bearer realm="gatehouse"';

/** RFC 6750 §3: a quoted parameter may not hold a double quote or a backslash. */
const quoted = (text: string) => text.replace(/["\\]/g, "'");

/** A missing or unknown app key: a challenge without an error code, as Gatehouse answers it. */
export function appKeyRefusal(description: string): Refusal {
  return {
    ok: false,
    status: 401,
    headers: { 'www-authenticate': REALM },
    body: { error: 'invalid_app_key', error_description: description },
  };
}

/**
 * A token that does not do (RFC 6750 §3.1). With no token at all the challenge carries no error code, as
 * RFC 6750 §3.1 asks of a request that sent no credentials.
 */
export function tokenRefusal(description: string, options: { missing?: boolean } = {}): Refusal {
  return {
    ok: false,
    status: 401,
    headers: {
      'www-authenticate': options.missing
        ? REALM
        : `${REALM}, error="invalid_token", error_description="${quoted(description)}"`,
    },
    body: { error: 'invalid_token', error_description: description },
  };
}

export function scopeRefusal(scope: string): Refusal {
  return {
    ok: false,
    status: 403,
    headers: { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${quoted(scope)}"` },
    body: {
      error: 'insufficient_scope',
      error_description: `This call needs the scope ${scope}.`,
      scope,
    },
  };
}

/**
 * Gatehouse could not be asked: the call is refused (fail closed) and may be tried again after
 * `retryAfterSeconds`, which is longer when Gatehouse itself asked the resource server to wait.
 */
export function unavailableRefusal(retryAfterSeconds = 1): Refusal {
  return {
    ok: false,
    status: 503,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: {
      error: 'temporarily_unavailable',
      error_description:
        'The access token cannot be checked now: Gatehouse does not answer. Try again shortly.',
    },
  };
}
