import { Redis } from 'ioredis';
import {
  FAILURE_LIMIT,
  FailureLimiter,
  MemoryRateLimiter,
  RATE_LIMIT,
  type RateDecision,
  type RateLimiter,
} from './rate-limit';

// Sliding log in a sorted set; Redis's own clock, so every instance agrees on the window.
const SLIDING_LOG = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
`;

type SlidingLogRedis = Redis & {
  ghSlidingLog(key: string, windowMs: number, limit: number, member: string): Promise<number[]>;
};

/** Where a limiter says that it switched between Redis and its own memory. */
export interface LimiterLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** How long a call may wait for Redis before this instance decides alone. */
export const REDIS_COMMAND_TIMEOUT_MS = 300;
/** After a command failed on a connection that still looks open, how long Redis is left alone before the next try. */
const PAUSE_AFTER_FAILURE_MS = 1000;

/**
 * A Redis connection for limiters: a call never waits on a Redis that is away. A command fails at once
 * while the connection is down (no offline queue, no retries) or after REDIS_COMMAND_TIMEOUT_MS, and the
 * connection keeps trying to come back, at most a second apart, for as long as the process lives.
 */
export function limiterRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
}

export interface SharedLimiterOptions {
  limit?: number;
  windowMs?: number;
  /** Prefix of the Redis keys, so that two limits sharing a Redis keep separate counts. */
  namespace?: string;
  /** The limit's name in the log and for `onFallback`. */
  name?: string;
  log?: LimiterLog;
  /** Called for each call this instance decided alone, because Redis was away (metrics count them). */
  onFallback?: (limiter: string) => void;
}

/**
 * The limiter several instances share through Redis (`REDIS_URL`). While Redis is away (down, not yet
 * connected, or too slow to answer) each instance limits on its own, to the same limit in its own memory:
 * never no limit, never refusing everything. The switch is logged once each way, and Redis is used again
 * as soon as the connection is back, with no restart.
 */
export class RedisRateLimiter implements RateLimiter {
  private counter = 0;
  private readonly prefix = `gh:rl:${crypto.randomUUID().slice(0, 8)}:`;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly namespace: string;
  private readonly name: string;
  private readonly log: LimiterLog | undefined;
  private readonly fallback: MemoryRateLimiter;
  /** `connecting` until Redis first answers, so that starting up is not reported as an outage. */
  private mode: 'connecting' | 'shared' | 'alone' = 'connecting';
  private pausedUntil = 0;
  private closing = false;
  private readonly onFallback: ((limiter: string) => void) | undefined;
  /** Calls decided by this instance alone, since it started. */
  fallbackDecisions = 0;

  constructor(
    private readonly redis: Redis,
    options: SharedLimiterOptions = {},
  ) {
    this.limit = options.limit ?? RATE_LIMIT.calls;
    this.windowMs = options.windowMs ?? RATE_LIMIT.windowMs;
    this.namespace = options.namespace ?? 'gh:rl:';
    this.name = options.name ?? 'rate limit';
    this.log = options.log;
    this.onFallback = options.onFallback;
    this.fallback = new MemoryRateLimiter(this.limit, this.windowMs);
    redis.defineCommand('ghSlidingLog', { numberOfKeys: 1, lua: SLIDING_LOG });
    redis.on('ready', () => this.rejoin());
    // The connection's own errors are how an outage shows; without a listener ioredis prints each retry.
    redis.on('error', (error: Error) => this.goAlone(error.message));
    redis.on('close', () => this.goAlone('connection closed'));
    if (redis.status === 'ready') this.rejoin();
  }

  /**
   * Resolves once Redis first answers or fails, or after `timeoutMs`: an instance that starts with Redis
   * up counts in it from its first call, and one that starts without it does not wait.
   */
  connected(timeoutMs = 2000): Promise<void> {
    if (this.mode !== 'connecting') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.redis.once('ready', done).once('error', done);
    });
  }

  /** Whether the last word from Redis was good: decisions are shared between instances. */
  get shared(): boolean {
    return this.mode === 'shared';
  }

  take(key: string): Promise<RateDecision> | RateDecision {
    if (this.redis.status !== 'ready' || this.pausedUntil > Date.now()) return this.alone(key);
    const member = `${this.prefix}${this.counter++}`;
    return (this.redis as SlidingLogRedis)
      .ghSlidingLog(`${this.namespace}${key}`, this.windowMs, this.limit, member)
      .then(
        ([allowed, remaining, retryAfterMs]) => {
          this.rejoin();
          return {
            allowed: allowed === 1,
            limit: this.limit,
            remaining: remaining!,
            retryAfterMs: Math.max(0, retryAfterMs!),
          };
        },
        (error: Error) => {
          // A connection that looks open but does not answer is given a rest rather than a wait per call.
          this.pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
          this.goAlone(error.message);
          return this.alone(key);
        },
      );
  }

  private alone(key: string): RateDecision {
    this.fallbackDecisions++;
    this.onFallback?.(this.name);
    return this.fallback.take(key);
  }

  private goAlone(reason: string): void {
    if (this.mode === 'alone' || this.closing) return;
    this.mode = 'alone';
    this.log?.warn(
      { limiter: this.name, reason },
      `Redis is unreachable: the ${this.name} is counted by each instance on its own until it returns`,
    );
  }

  private rejoin(): void {
    this.pausedUntil = 0;
    if (this.mode === 'shared') return;
    if (this.mode === 'alone')
      this.log?.info(
        { limiter: this.name },
        `Redis is back: the ${this.name} is shared between instances again`,
      );
    this.mode = 'shared';
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.fallback.close();
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}

export interface LimitersOptions {
  /** Shared between instances through this Redis; each instance's memory without it. */
  redisUrl?: string;
  /** Failed authentications allowed per client address and window (default FAILURE_LIMIT). */
  failureLimit?: { calls: number; windowMs: number };
  log?: LimiterLog;
  onFallback?: (limiter: string) => void;
}

/**
 * The resource API's limit per app and tenant, and the failed authentications' per address; with Redis,
 * once it answered (or failed, or two seconds passed).
 */
export async function rateLimiters(
  options: LimitersOptions,
): Promise<{ limiter: RateLimiter; failures: FailureLimiter }> {
  const { calls, windowMs } = options.failureLimit ?? FAILURE_LIMIT;
  const { redisUrl, log, onFallback } = options;
  if (!redisUrl)
    return {
      limiter: new MemoryRateLimiter(),
      failures: new FailureLimiter(new MemoryRateLimiter(calls, windowMs)),
    };
  const limiter = new RedisRateLimiter(limiterRedis(redisUrl), { name: 'rate limit', log, onFallback });
  const failureCounts = new RedisRateLimiter(limiterRedis(redisUrl), {
    limit: calls,
    windowMs,
    namespace: 'gh:fail:',
    name: 'failed-authentication limit',
    log,
    onFallback,
  });
  await Promise.all([limiter.connected(), failureCounts.connected()]);
  return { limiter, failures: new FailureLimiter(failureCounts) };
}
