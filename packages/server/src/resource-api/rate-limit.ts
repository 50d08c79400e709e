import type { FastifyReply, preValidationHookHandler } from 'fastify';
import ipaddr from 'ipaddr.js';
import { sendProblem } from '../http/problem';

export const RATE_LIMIT = { calls: 60, windowMs: 1000 } as const;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until a call would be allowed again (0 when allowed). */
  retryAfterMs: number;
}

/** At most `RATE_LIMIT.calls` in any `windowMs` per key: a sliding log, so a burst never gets twice the limit across a boundary. */
export interface RateLimiter {
  take(key: string): Promise<RateDecision> | RateDecision;
  /** The same decision made here and now, by a limiter that counts in this process (a shared one has none). */
  takeNow?(key: string): RateDecision;
  close(): Promise<void>;
}

/**
 * One instance's limiter: per key, a ring of the accepted call times still
 * inside the window, oldest first. Each call drops the times that left the
 * window and then looks at the count, so a decision costs the same however
 * busy the key is.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly logs = new Map<
    string,
    { times: Float64Array; oldest: number; count: number; last: number }
  >();
  private readonly sweeper: NodeJS.Timeout;

  /** `maxKeys` bounds the memory between sweeps: a new key beyond it evicts the oldest one first. */
  constructor(
    private readonly limit: number = RATE_LIMIT.calls,
    private readonly windowMs: number = RATE_LIMIT.windowMs,
    private readonly maxKeys = 100_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 10_000);
    this.sweeper.unref();
  }

  take(key: string, now = performance.timeOrigin + performance.now()): RateDecision {
    let log = this.logs.get(key);
    if (!log) {
      if (this.logs.size >= this.maxKeys) this.logs.delete(this.logs.keys().next().value as string);
      log = { times: new Float64Array(this.limit), oldest: 0, count: 0, last: 0 };
      this.logs.set(key, log);
    }
    log.last = now;
    const since = now - this.windowMs;
    while (log.count > 0 && log.times[log.oldest]! <= since) {
      log.oldest = (log.oldest + 1) % this.limit;
      log.count--;
    }
    if (log.count === this.limit) {
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        retryAfterMs: log.times[log.oldest]! + this.windowMs - now,
      };
    }
    log.times[(log.oldest + log.count) % this.limit] = now;
    log.count++;
    return { allowed: true, limit: this.limit, remaining: this.limit - log.count, retryAfterMs: 0 };
  }

  takeNow(key: string): RateDecision {
    return this.take(key);
  }

  private sweep(now = performance.timeOrigin + performance.now()): void {
    for (const [key, log] of this.logs) if (log.last < now - this.windowMs) this.logs.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}

/** Failed authentications a client address may make, at the resource API and the token endpoint together. */
export const FAILURE_LIMIT = { calls: 20, windowMs: 1000 } as const;

/**
 * Whom a client address stands for: an IPv4 address itself (also when IPv4-mapped), an IPv6 address its
 * /64 network (`2001:db8:0:7::/64`), since one host is routinely given a whole /64 and could otherwise
 * try from as many addresses as it likes. An IPv4 address, the common case, is answered as it is.
 */
export function addressKey(address: string): string {
  if (!address.includes(':') || !ipaddr.IPv6.isValid(address)) return address;
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return `${parsed.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

/** The answer to an address held back for failing authentication too often: before any lookup or signature check. */
export function holdBack(reply: FastifyReply, waitMs: number): FastifyReply {
  reply.header('retry-after', Math.max(1, Math.ceil(waitMs / 1000))).header('cache-control', 'no-store');
  return sendProblem(reply, {
    status: 429,
    error: 'rate_limited',
    description: 'Too many failed authentications from this address: try again later.',
  });
}

/** A `preValidation` hook that answers a held-back address (see holdBack) before its call is looked at. */
export function holdBackFailing(failures: FailureLimiter): preValidationHookHandler {
  return (request, reply, done) => {
    const waitMs = failures.waitMs(request.ip);
    if (waitMs > 0) holdBack(reply, waitMs);
    else done();
  };
}

/**
 * Holds back an address that keeps failing authentication, so that a flood
 * of forged credentials costs the sender more than the server. Only failures
 * are counted (in a RateLimiter: this instance's memory, or Redis shared by
 * all instances), per address as `addressKey` groups them; once an address is
 * over the limit it is answered 429 before any key lookup or signature check
 * until the window lets it try again. The check every call makes is a lookup
 * in a map that is empty unless someone is held back, so it costs legitimate
 * callers nothing and stays synchronous.
 */
export class FailureLimiter {
  /** Addresses held back, and until when (epoch ms), oldest hold first. */
  private readonly heldUntil = new Map<string, number>();

  constructor(
    private readonly counts: RateLimiter,
    private readonly maxHeld = 100_000,
  ) {}

  /** Milliseconds this address must wait before its next try; 0 when it may go on. */
  waitMs(address: string, now = Date.now()): number {
    if (this.heldUntil.size === 0) return 0;
    const key = addressKey(address);
    const until = this.heldUntil.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.heldUntil.delete(key);
    return 0;
  }

  /** Counts one failed authentication; the answer is how long to wait when this one went over the limit (0 otherwise). */
  fail(address: string): number | Promise<number> {
    const key = addressKey(address);
    const decision = this.counts.take(key);
    return decision instanceof Promise
      ? decision.then((settled) => this.hold(key, settled))
      : this.hold(key, decision);
  }

  private hold(key: string, decision: RateDecision, now = Date.now()): number {
    if (decision.allowed) return 0;
    const waitMs = Math.max(1, decision.retryAfterMs);
    if (this.heldUntil.size >= this.maxHeld && !this.heldUntil.has(key)) this.makeRoom(now);
    // Deleted first so that the map stays ordered by when each hold began.
    this.heldUntil.delete(key);
    this.heldUntil.set(key, now + waitMs);
    return waitMs;
  }

  /**
   * At the cap: drops the holds that ended, and if that is not enough the oldest holds, down to nine
   * tenths of the cap, so everyone else stays held and the next holds find room without another pass.
   */
  private makeRoom(now: number): void {
    for (const [key, until] of this.heldUntil) if (until <= now) this.heldUntil.delete(key);
    if (this.heldUntil.size < this.maxHeld) return;
    const keep = Math.floor(this.maxHeld * 0.9);
    for (const key of this.heldUntil.keys()) {
      if (this.heldUntil.size <= keep) break;
      this.heldUntil.delete(key);
    }
  }

  close(): Promise<void> {
    return this.counts.close();
  }
}
