import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisTarget, redisUp } from '#test/redis';
import { startTcpProxy, type TcpProxy } from '#test/tcp-proxy';
import {
  type LimiterLog,
  limiterRedis,
  REDIS_COMMAND_TIMEOUT_MS,
  RedisRateLimiter,
  type SharedLimiterOptions,
} from './shared-rate-limit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(10);
  }
}

/** A log that keeps its lines as `level: message`. */
function recordingLog(): LimiterLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (_details, message) => lines.push(`warn: ${message}`),
    info: (_details, message) => lines.push(`info: ${message}`),
  };
}

/** Takes `n` calls one after another; the decisions, and the longest any one of them took. */
async function takeInTurn(limiter: RedisRateLimiter, key: string, n: number) {
  let slowestMs = 0;
  const allowed: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    allowed.push((await limiter.take(key)).allowed);
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return { allowed: allowed.filter(Boolean).length, slowestMs };
}

describe.runIf(redisUp)('RedisRateLimiter', () => {
  const limiters: RedisRateLimiter[] = [];
  const limiterOn = async (url: string, options: SharedLimiterOptions) => {
    const limiter = new RedisRateLimiter(limiterRedis(url), options);
    limiters.push(limiter);
    return limiter;
  };
  const ready = (limiter: RedisRateLimiter) => until(() => limiter.shared, 'Redis to answer');
  let proxy: TcpProxy;
  let namespace: string;

  beforeAll(async () => {
    proxy = await startTcpProxy(redisTarget);
  });
  afterAll(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await proxy.close();
  });

  it('shares one sliding window between limiters on separate connections', async () => {
    namespace = `gh:test:${crypto.randomUUID()}:`;
    const one = await limiterOn(REDIS_URL, { limit: 5, windowMs: 400, namespace });
    const two = await limiterOn(REDIS_URL, { limit: 5, windowMs: 400, namespace });
    await Promise.all([ready(one), ready(two)]);
    const decisions = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).take('k')));
    const allowed = decisions.filter((d) => d.allowed);
    expect(allowed).toHaveLength(5);
    expect(allowed.map((d) => d.remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const refused of decisions.filter((d) => !d.allowed)) {
      expect(refused.remaining).toBe(0);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(400);
    }
    expect((await one.take('other')).allowed).toBe(true);
    await sleep(450);
    expect((await two.take('k')).allowed).toBe(true);
  });

  it('while Redis is away each instance limits on its own at once, logged and counted; once it is back they share again, with no restart', async () => {
    namespace = `gh:test:${crypto.randomUUID()}:`;
    // A long window, so that no slow machine sees calls leave it in the middle of a count.
    const rule = { limit: 60, windowMs: 10_000, namespace };
    const log = recordingLog();
    const decidedAlone: string[] = [];
    // Two instances: one reaches Redis through the proxy, the other directly.
    const cutOff = await limiterOn(`redis://127.0.0.1:${proxy.port}`, {
      ...rule,
      name: 'rate limit',
      log,
      onFallback: (limiter) => decidedAlone.push(limiter),
    });
    const other = await limiterOn(REDIS_URL, rule);
    await Promise.all([ready(cutOff), ready(other)]);
    expect(log.lines).toEqual([]);

    await proxy.cut();
    // Limited, not open and not closed: exactly the limit, each call answered without waiting on Redis.
    const alone = await takeInTurn(cutOff, 'pair-a', 100);
    expect(alone.allowed).toBe(60);
    expect(alone.slowestMs).toBeLessThan(100);
    expect(decidedAlone).toEqual(Array(100).fill('rate limit'));
    expect(cutOff.fallbackDecisions).toBe(100);
    // The other instance still counts in Redis, where nothing of the cut-off one's arrived: its own 60.
    expect((await takeInTurn(other, 'pair-a', 100)).allowed).toBe(60);
    // A new pair on the cut-off instance starts with the whole limit: it is not refused because Redis is away.
    expect((await takeInTurn(cutOff, 'pair-b', 1)).allowed).toBe(1);
    expect(log.lines).toEqual([
      'warn: Redis is unreachable: the rate limit is counted by each instance on its own until it returns',
    ]);

    await proxy.restore();
    await until(() => cutOff.shared, 'the limiter to rejoin Redis');
    expect(log.lines.slice(1)).toEqual([
      'info: Redis is back: the rate limit is shared between instances again',
    ]);
    // Shared again: 100 calls of a new pair on both instances together, 60 pass.
    const together = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? cutOff : other).take('pair-c')),
    );
    expect(together.filter((d) => d.allowed)).toHaveLength(60);
    expect(cutOff.fallbackDecisions).toBe(101);
  });

  it('a Redis that stops answering holds one call for at most the command timeout; the next calls do not wait for it', async () => {
    namespace = `gh:test:${crypto.randomUUID()}:`;
    const log = recordingLog();
    const stalled = await limiterOn(`redis://127.0.0.1:${proxy.port}`, {
      limit: 60,
      windowMs: 10_000,
      namespace,
      log,
    });
    await ready(stalled);
    proxy.freeze();
    try {
      const first = await takeInTurn(stalled, 'k', 1);
      expect(first.allowed).toBe(1);
      expect(first.slowestMs).toBeGreaterThanOrEqual(REDIS_COMMAND_TIMEOUT_MS - 10);
      expect(first.slowestMs).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 300);
      const next = await takeInTurn(stalled, 'k', 99);
      expect(next).toMatchObject({ allowed: 59 });
      expect(next.slowestMs).toBeLessThan(50);
      expect(log.lines).toHaveLength(1);
    } finally {
      proxy.thaw();
    }
    // After a short rest a call asks Redis again, and finds it.
    await until(
      () => {
        void stalled.take('probe');
        return stalled.shared;
      },
      'a call to find Redis again',
      3000,
    );
    expect(log.lines[1]).toMatch(/^info: Redis is back/);
  });

  it('a limiter whose Redis is away from the start limits alone, and joins Redis when it comes', async () => {
    namespace = `gh:test:${crypto.randomUUID()}:`;
    const log = recordingLog();
    await proxy.cut();
    const late = await limiterOn(`redis://127.0.0.1:${proxy.port}`, {
      limit: 3,
      windowMs: 10_000,
      namespace,
      log,
    });
    expect((await takeInTurn(late, 'k', 5)).allowed).toBe(3);
    await until(() => log.lines.length > 0, 'the warning');
    expect(log.lines).toEqual([
      'warn: Redis is unreachable: the rate limit is counted by each instance on its own until it returns',
    ]);
    await proxy.restore();
    await until(() => late.shared, 'the limiter to join Redis');
    expect((await takeInTurn(late, 'k', 5)).allowed).toBe(3);
    expect(log.lines).toHaveLength(2);
  });
});
