import type { EntityManager } from '@mikro-orm/knex';
import { deleteInBatches } from '../db/delete-in-batches';
import { LatencyDaily, RateLimitHit, RequestLogBlock } from '../db/entities';
import { dayBefore } from './line';

/** Latency per day is kept this long: the report reads 90 days at most. */
export const LATENCY_DAYS = 90;
/** A day's first rate-limit refusal needs remembering only while that day's refusals may still come. */
const RATE_LIMIT_HIT_DAYS = 7;
/** Blocks deleted per statement: a short lock each (`between` runs between them), however many expired at once. */
const BATCH = 500;

/**
 * Deletes the blocks of lines whose last line is older than `retentionDays`, a batch at a time along
 * their time (a block spans a minute at most, see blocks.ts), and the latency days and first rate-limit
 * refusals older than needed. Any instance may run it at any time: two running at once delete the same
 * rows once. Answers how many blocks it deleted.
 */
export async function pruneRequestLog(
  em: () => EntityManager,
  retentionDays: number,
  now = Date.now(),
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<number> {
  const cutoff = new Date(now - retentionDays * 86_400_000);
  const deleted = await deleteInBatches(em, {
    entity: RequestLogBlock,
    where: { lastAt: { $lt: cutoff } },
    orderBy: { lastAt: 'asc' },
    batchSize: BATCH,
    between,
  });
  await em().nativeDelete(LatencyDaily, { day: { $lt: dayBefore(now, LATENCY_DAYS) } });
  await em().nativeDelete(RateLimitHit, { day: { $lt: dayBefore(now, RATE_LIMIT_HIT_DAYS) } });
  return deleted;
}
