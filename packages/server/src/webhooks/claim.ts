import type { InferEntity } from '@mikro-orm/core';
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
 * Attempts in flight to one endpoint at most, on all instances together: a
 * receiver that never answers holds this many of the workers' slots, and every
 * other endpoint's deliveries go out beside it.
 */
export const PER_ENDPOINT_IN_FLIGHT = 2;

/** The advisory lock PostgreSQL claims take turns by (see keys.ts for another). */
const CLAIM_LOCK = 74_290_118;

/**
 * The due deliveries (pending, their time come, not held by a live claim),
 * oldest first, but no more per endpoint than it has room for beside the
 * claims it already holds: each endpoint's oldest, ranked by a window function.
 */
const DUE = `
with held as (
  select endpoint_id, count(*) as claims from webhook_delivery
  where status = 'pending' and locked_until >= ?
  group by endpoint_id
), due as (
  select d.id, d.next_attempt_at,
    row_number() over (partition by d.endpoint_id order by d.next_attempt_at, d.id)
      + coalesce(h.claims, 0) as place
  from webhook_delivery d left join held h on h.endpoint_id = d.endpoint_id
  where d.status = 'pending' and d.next_attempt_at <= ?
    and (d.locked_until is null or d.locked_until < ?)
)
select id from due where place <= ? order by next_attempt_at, id limit ?`;

/**
 * Takes up to `limit` due deliveries, at most PER_ENDPOINT_IN_FLIGHT per
 * endpoint counting those already held, by setting their `lockedUntil` to
 * now + `leaseMs`. Claims take turns: on PostgreSQL under an advisory lock held
 * for the claim's two statements, so what several instances hold together
 * stays within the bound; the embedded database writes one transaction at a
 * time anyway. A worker that dies holding a claim loses it when the lease
 * ends, and the delivery is tried again (at least once, never lost).
 */
export async function claimDue(
  em: EntityManager,
  dialect: Dialect,
  limit: number,
  leaseMs: number,
): Promise<Claim[]> {
  if (limit <= 0) return [];
  const now = new Date();
  const lease = new Date(now.getTime() + leaseMs);
  const ids = await em.transactional(async (tx) => {
    if (dialect === 'postgresql') await tx.execute(`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
    const at = tx.getPlatform().processDateProperty(now);
    const due: { id: string }[] = await tx.execute(DUE, [at, at, at, PER_ENDPOINT_IN_FLIGHT, limit]);
    if (due.length === 0) return [];
    const ids = due.map((row) => row.id);
    await tx.nativeUpdate(
      WebhookDelivery,
      { id: { $in: ids }, status: 'pending', $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }] },
      { lockedUntil: lease },
    );
    return ids;
  });
  if (ids.length === 0) return [];
  const fresh = em.fork();
  const claimed = await fresh.find(
    WebhookDelivery,
    { id: { $in: ids }, lockedUntil: lease },
    { populate: ['endpoint'] },
  );
  return claimed.map((delivery) => ({ delivery, endpoint: delivery.endpoint, lease }));
}
