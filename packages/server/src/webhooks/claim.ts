import { type InferEntity, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { WebhookDelivery, type WebhookEndpoint } from '../db/entities';
import type { Dialect } from '../db/orm';

export type DeliveryRow = InferEntity<typeof WebhookDelivery>;
export type EndpointRow = InferEntity<typeof WebhookEndpoint>;

/** A delivery this worker holds until `lease`: nobody else sends it meanwhile. */
export interface Claim {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
  /** The claim's `lockedUntil`: an outcome is written only while the row still carries it. */
  lease: Date;
}

/**
 * Takes up to `limit` due deliveries (pending, their time come, not held by a
 * live claim) by setting their `lockedUntil` to now + `leaseMs`. On PostgreSQL
 * the rows are chosen `for update skip locked` in the claiming transaction, so
 * workers of several instances each take different rows without waiting for
 * one another; the embedded database serves one process, whose one worker
 * claims in turn. A worker that dies holding a claim loses it when the lease
 * ends, and the delivery is tried again (at least once, never lost).
 */
export async function claimDue(
  em: EntityManager,
  dialect: Dialect,
  limit: number,
  leaseMs: number,
): Promise<Claim[]> {
  const now = new Date();
  const lease = new Date(now.getTime() + leaseMs);
  const ids = await em.transactional(async (tx) => {
    const due = await tx.find(
      WebhookDelivery,
      {
        status: 'pending',
        nextAttemptAt: { $lte: now },
        $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
      },
      {
        fields: ['id'],
        orderBy: { nextAttemptAt: 'asc' },
        limit,
        ...(dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE } : {}),
      },
    );
    if (due.length === 0) return [];
    const ids = due.map((d) => d.id);
    await tx.nativeUpdate(WebhookDelivery, { id: { $in: ids } }, { lockedUntil: lease });
    return ids;
  });
  if (ids.length === 0) return [];
  const fresh = em.fork();
  const claimed = await fresh.find(WebhookDelivery, { id: { $in: ids } }, { populate: ['endpoint'] });
  return claimed.map((delivery) => ({ delivery, endpoint: delivery.endpoint, lease }));
}
