import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';

/** How the verifiers reach Gatehouse: a fetch (the global one unless given) and how long to wait. */
export interface Remote {
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
}

export function remoteOf(options: { fetch?: typeof globalThis.fetch; timeoutMs?: number }): Remote {
  return {
    // Looked up at each call, not once: a fetch replaced later (instrumented, mocked in tests) is used.
    fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
    timeoutMs: options.timeoutMs ?? 5000,
  };
}

/** Gatehouse did not answer, or not as it does: the verifiers refuse with 503 rather than guess. */
export class Unreachable extends Error {
  override readonly name = 'Unreachable';
  /** How long the client should wait before trying again (seconds, at least one). */
  readonly retryAfterSeconds: number;

  /** `retryAfterSeconds`: when Gatehouse said how long to wait before asking again. */
  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }
}

/** A token signed with a key not in the set fetches the set again, but no sooner than this after the last fetch. */
const KEY_SET_COOLDOWN_MS = 5000;

/**
 * The issuer's signing keys, fetched once and kept for `ttlMs` (jose's default, ten minutes, unless given);
 * a token signed with a key not in the set fetches the set again, at most every few seconds, so a key
 * Gatehouse rotates in is found and forged key ids cannot make it fetch the set on every call.
 */
export function remoteKeys(url: string, remote: Remote, ttlMs?: number): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: remote.timeoutMs,
    cooldownDuration: KEY_SET_COOLDOWN_MS,
    ...(ttlMs === undefined ? {} : { cacheMaxAge: ttlMs }),
    [customFetch]: async (input, init) => {
      let response: Response;
      try {
        response = await remote.fetch(input, init);
      } catch (cause) {
        throw new Unreachable(`The key set at ${url} could not be fetched.`, { cause });
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Unreachable(`The key set at ${url} answered ${response.status}.`);
      }
      return response;
    },
  });
}

/** jose's errors that say the key set could not be had (rather than that the token is bad). */
const KEY_SET_TROUBLE = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

/** Whether a failed verification was Gatehouse's trouble, not the token's. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof Unreachable) return true;
  if (!(error instanceof errors.JOSEError)) return true;
  return KEY_SET_TROUBLE.has(error.code);
}
