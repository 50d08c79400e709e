import { type Remote, Unreachable } from './remote';

/** Gatehouse's answer at `/connect/token-status`: who is calling, or only that the credentials are not good. */
export type TokenStatus =
  | { active: false }
  | {
      active: true;
      app_id: string;
      tenant: string;
      env: string;
      client_id: string;
      cid: string;
      jti: string;
      /** The scopes still in play, space-separated. */
      scope: string;
      iat: number;
      exp: number;
    };

const TEXT_FIELDS = ['app_id', 'tenant', 'env', 'client_id', 'cid', 'jti', 'scope'] as const;

function isTokenStatus(value: unknown): value is TokenStatus {
  if (typeof value !== 'object' || value === null) return false;
  const answer = value as Record<string, unknown>;
  if (answer.active === false) return true;
  return (
    answer.active === true &&
    TEXT_FIELDS.every((field) => typeof answer[field] === 'string') &&
    typeof answer.iat === 'number' &&
    typeof answer.exp === 'number'
  );
}

/** Enough answers for the callers of a busy resource server; the oldest go first. */
const MAX_ANSWERS = 10_000;

/** The longest wait taken from a `Retry-After`: a proxy that says a day does not stop the checks for a day. */
const MAX_WAIT_SECONDS = 60;

/** A `Retry-After` (seconds or an HTTP date) as whole seconds between one and MAX_WAIT_SECONDS. */
export function retryAfterOf(value: string | null, now = Date.now()): number {
  const text = value?.trim() ?? '';
  const seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000;
  return Number.isFinite(seconds) ? Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(seconds))) : 1;
}

/**
 * Asks Gatehouse whether an app key and token are good now. An answer is kept for `ttlMs`, counted from
 * when it was asked, so a disable or revoke reaches the resource server within that time (plus the
 * question's own trip); concurrent questions about the same credentials share one request. Failures are
 * not kept: the next call asks again. But when Gatehouse holds this resource server back (429, for too
 * many credentials that proved nothing), nothing new is asked until its `Retry-After` has passed.
 */
export class TokenStatusClient {
  private readonly answers = new Map<string, { answer: TokenStatus; until: number }>();
  private readonly asking = new Map<string, Promise<TokenStatus>>();
  /** Until when (epoch ms) Gatehouse asked this resource server to wait before asking again. */
  private heldUntil = 0;

  constructor(
    private readonly url: string,
    private readonly remote: Remote,
    private readonly ttlMs: number,
  ) {}

  /** Rejects with Unreachable when Gatehouse does not answer as it does. */
  status(appKey: string, token: string): Promise<TokenStatus> {
    const key = `${appKey} ${token}`;
    const now = Date.now();
    const held = this.answers.get(key);
    if (held !== undefined) {
      if (held.until > now) return Promise.resolve(held.answer);
      this.answers.delete(key);
    }
    if (now < this.heldUntil)
      return Promise.reject(
        new Unreachable(`${this.url} asked this resource server to wait.`, {
          retryAfterSeconds: Math.ceil((this.heldUntil - now) / 1000),
        }),
      );
    const pending = this.asking.get(key);
    if (pending) return pending;
    const asked = this.ask(appKey, token)
      .then((answer) => {
        if (this.ttlMs > 0) this.remember(key, answer, now + this.ttlMs);
        return answer;
      })
      .finally(() => this.asking.delete(key));
    this.asking.set(key, asked);
    return asked;
  }

  private remember(key: string, answer: TokenStatus, until: number): void {
    if (this.answers.size >= MAX_ANSWERS) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(key, { answer, until });
  }

  private async ask(appKey: string, token: string): Promise<TokenStatus> {
    let response: Response;
    try {
      response = await this.remote.fetch(this.url, {
        headers: { accept: 'application/json', 'st-app-key': appKey, authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(this.remote.timeoutMs),
      });
    } catch (cause) {
      throw new Unreachable(`${this.url} could not be reached.`, { cause });
    }
    if (response.status === 429) {
      await response.body?.cancel();
      const seconds = retryAfterOf(response.headers.get('retry-after'));
      this.heldUntil = Math.max(this.heldUntil, Date.now() + seconds * 1000);
      throw new Unreachable(`${this.url} holds this resource server back for ${seconds} s.`, {
        retryAfterSeconds: seconds,
      });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Unreachable(`${this.url} answered ${response.status}.`);
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (!isTokenStatus(answer))
      throw new Unreachable(`${this.url} answered something else than a token status.`);
    return answer;
  }
}
