import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { WebhookDelivery, WebhookEndpoint } from '../db/entities';
import { retryDelay } from './schedule';

/**
 * Attempts failed in a row after which an endpoint backs off as a whole:
 * rather than each of its deliveries being tried on its own schedule (a
 * thousand queued events, a thousand timeouts), they all wait for the
 * endpoint's next try, and only a success lets them flow again.
 */
export const STREAK_BEFORE_PAUSE = 5;

/**
 * How long an endpoint waits after the `streak`-th failure in a row, or null
 * while the streak is short: the retry schedule from its start, one step per
 * further failure, its last delay at most.
 */
export function pauseDelay(
  streak: number,
  schedule: readonly number[],
  random: () => number = Math.random,
): number | null {
  if (streak < STREAK_BEFORE_PAUSE || schedule.length === 0) return null;
  const step = Math.min(streak - STREAK_BEFORE_PAUSE + 1, schedule.length);
  return retryDelay(step, schedule, random);
}

/**
 * Counts an attempt in its endpoint's failure streak, in the outcome's
 * transaction. A success ends the streak and the back-off. A failure
 * lengthens it; from STREAK_BEFORE_PAUSE on, the endpoint is paused until
 * `finishedAt` plus pauseDelay, and its pending deliveries due before then
 * wait until then (a resend or a test event queued meanwhile still goes at
 * once). Returns the streak.
 */
export async function countInStreak(
  tx: EntityManager,
  endpointId: string,
  succeeded: boolean,
  finishedAt: number,
  schedule: readonly number[],
): Promise<number> {
  if (succeeded) {
    await tx.nativeUpdate(
      WebhookEndpoint,
      { id: endpointId, $or: [{ failureStreak: { $gt: 0 } }, { pausedUntil: { $ne: null } }] },
      { failureStreak: 0, pausedUntil: null },
    );
    return 0;
  }
  await tx.nativeUpdate(WebhookEndpoint, { id: endpointId }, { failureStreak: raw('failure_streak + 1') });
  const [row] = await tx
    .createQueryBuilder(WebhookEndpoint)
    .select('failureStreak')
    .where({ id: endpointId })
    .execute('all');
  const streak = row?.failureStreak ?? 0;
  const delay = pauseDelay(streak, schedule);
  if (delay === null) return streak;
  const pausedUntil = new Date(finishedAt + delay);
  await tx.nativeUpdate(WebhookEndpoint, { id: endpointId }, { pausedUntil });
  await tx.nativeUpdate(
    WebhookDelivery,
    { endpoint: endpointId, status: 'pending', nextAttemptAt: { $lt: pausedUntil } },
    { nextAttemptAt: pausedUntil },
  );
  return streak;
}

/** When a delivery queued now for this endpoint may first be tried: now, or when its back-off ends. */
export function firstAttemptAt(endpoint: { pausedUntil?: Date | null }, now = new Date()): Date {
  return endpoint.pausedUntil && endpoint.pausedUntil > now ? endpoint.pausedUntil : now;
}
