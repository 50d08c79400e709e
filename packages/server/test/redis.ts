import { Redis } from 'ioredis';

/** The Redis tests share (`REDIS_TEST_URL`). */
export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** Host and port of REDIS_URL, for a proxy put in front of it. */
export const redisTarget = (() => {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379) };
})();

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Whether Redis answers; CI must have it, so there its absence fails the run rather than skipping tests. */
export const redisUp = await redisReachable();
if (!redisUp && process.env.CI)
  throw new Error(`Redis is not reachable at ${REDIS_URL}; CI must test the shared rate limit.`);
