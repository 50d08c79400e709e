import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { WebhookDelivery } from '../db/entities';

/**
 * Pending deliveries one endpoint may have: beyond, new events for it are
 * dropped (and counted in a warning) rather than queued. An endpoint that has
 * been down for long, or an app that changes far faster than its receiver
 * keeps up, cannot grow the queue without bound.
 */
export const PENDING_PER_ENDPOINT = 10_000;

/** How many pending deliveries each of these endpoints has (absent: none). */
export async function pendingCounts(em: EntityManager, endpointIds: string[]): Promise<Map<string, number>> {
  if (endpointIds.length === 0) return new Map();
  const rows: { endpoint_id: string; pending: number | string }[] = await em
    .createQueryBuilder(WebhookDelivery, 'd')
    .select([raw('d.endpoint_id as endpoint_id'), raw('count(*) as pending')])
    .where({ endpoint: { $in: endpointIds }, status: 'pending' })
    .groupBy('d.endpoint')
    .execute('all', false);
  return new Map(rows.map((row) => [row.endpoint_id, Number(row.pending)]));
}
