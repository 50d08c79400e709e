import { DomainError } from '@gatehouse/domain';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { sha256Hex } from '../../auth/secrets';
import type { Database } from '../../db/orm';

/** Requests taken per email a day and per client address an hour. */
const LIMITS = {
  email: { keyPrefix: 'access_request_email', points: 3, duration: 24 * 3600 },
  client: { keyPrefix: 'access_request_client', points: 10, duration: 3600 },
} as const;

const TOO_MANY = 'We already have your requests. Please wait for a reviewer before asking again.';

type Limiters = Record<keyof typeof LIMITS, RateLimiterAbstract>;
const limitersOf = new WeakMap<Database, Limiters>();

/**
 * PostgreSQL instances share their counters in the `rate_limit` table (created by a
 * migration); the embedded database serves one process, which counts in memory.
 */
function limiters(db: Database): Limiters {
  let found = limitersOf.get(db);
  if (!found) {
    const make = (options: (typeof LIMITS)[keyof typeof LIMITS]) =>
      db.dialect === 'postgresql'
        ? new RateLimiterPostgres({
            ...options,
            storeClient: db.em().getKnex(),
            storeType: 'knex',
            tableName: 'rate_limit',
            tableCreated: true,
          })
        : new RateLimiterMemory(options);
    found = { email: make(LIMITS.email), client: make(LIMITS.client) };
    limitersOf.set(db, found);
  }
  return found;
}

/**
 * Takes one request's place under both limits, or neither: each count is one atomic
 * step, so requests sent at once get no more through than the same sent in turn.
 * Keys are hashed, keeping emails and addresses out of the counters. Returns how to
 * give the place back when the request is then not stored after all.
 */
export async function admitAccessRequest(db: Database, email: string, clientIp: string) {
  const { email: byEmail, client: byClient } = limiters(db);
  const keys = [
    { limiter: byEmail, key: sha256Hex(email) },
    { limiter: byClient, key: sha256Hex(clientIp) },
  ];
  const taken = await Promise.allSettled(keys.map(({ limiter, key }) => limiter.consume(key)));
  const giveBack = () =>
    Promise.all(
      keys.filter((_, i) => taken[i]?.status === 'fulfilled').map(({ limiter, key }) => limiter.reward(key)),
    );
  const refused = taken.find((result) => result.status === 'rejected');
  if (refused) {
    await giveBack();
    // The library refuses with its result when over the limit, with an error when its store failed.
    if (refused.reason instanceof RateLimiterRes) throw new DomainError('RATE_LIMITED', TOO_MANY);
    throw refused.reason;
  }
  return giveBack;
}
