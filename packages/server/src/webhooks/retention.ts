import type { EntityManager } from '@mikro-orm/knex';
import { deleteInBatches } from '../db/delete-in-batches';
import { WebhookDelivery } from '../db/entities';

/** Finished deliveries (succeeded or failed) are kept this long, with their attempts, for the delivery log. */
export const DELIVERY_RETENTION_DAYS = 30;
/** Deliveries deleted per statement: a short lock each, however many expired at once. */
const BATCH = 1000;

/**
 * Deletes the succeeded and failed deliveries queued more than `retentionDays`
 * ago, a batch at a time along the `created_at` index, and their attempts with
 * them (the foreign key cascades). Pending ones stay whatever their age. Any
 * instance may run it at any time: two at once delete the same rows once.
 * Answers how many deliveries it deleted.
 */
export async function pruneDeliveries(
  em: () => EntityManager,
  retentionDays = DELIVERY_RETENTION_DAYS,
  now = Date.now(),
  batchSize = BATCH,
): Promise<number> {
  const cutoff = new Date(now - retentionDays * 86_400_000);
  return deleteInBatches(em, {
    entity: WebhookDelivery,
    where: { createdAt: { $lt: cutoff }, status: { $in: ['succeeded', 'failed'] } },
    orderBy: { createdAt: 'asc' },
    batchSize,
  });
}
