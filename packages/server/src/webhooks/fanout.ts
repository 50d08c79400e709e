import { type ChangeEventType, webhookTypeOf } from '@gatehouse/domain';
import { type InferEntity, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { AuditEvent, ChangeEvent, FeedCursor, WebhookDelivery, WebhookEndpoint } from '../db/entities';
import type { Dialect } from '../db/orm';
import { MISSING_KEPT_MS } from '../events/feed';
import { firstAttemptAt } from './backoff';
import { PENDING_PER_ENDPOINT, pendingCounts } from './limits';
import { eventPayload, factsOf, newMessageId } from './payload';

/** The fan-out's row in `feed_cursor`. */
export const FANOUT_CONSUMER = 'webhooks';
/** Change events read per run at most. */
const BATCH = 500;
/** At most this many missing sequence numbers are looked for, the newest kept. */
const MISSING_MAX = 5000;

type Change = InferEntity<typeof ChangeEvent>;
/** Where the fan-out says it dropped events for an endpoint that has PENDING_PER_ENDPOINT waiting. */
export type FanOutLog = { warn(facts: object, message: string): void };

/**
 * Turns committed changes into queued deliveries: for each change event after
 * the cursor, one pending delivery per active endpoint of its app subscribed
 * to its type. One transaction reads the events, queues the deliveries and
 * moves the cursor, under the cursor's row lock on PostgreSQL: of several
 * instances one does the work, and a crash replays from the last commit (a
 * replayed event finds its deliveries there and queues none again).
 * Sequence numbers skipped on the way (a transaction still running when the
 * fan-out passed, see events/feed.ts) are looked for on every run until they
 * show up or MISSING_KEPT_MS passes. An endpoint backing off gets its new
 * deliveries queued for when its back-off ends; one with PENDING_PER_ENDPOINT
 * waiting gets none, and `log` is told how many were dropped. Returns how many
 * deliveries it queued.
 */
export async function fanOut(em: EntityManager, dialect: Dialect, log?: FanOutLog): Promise<number> {
  return em.transactional(async (tx) => {
    const now = Date.now();
    const cursor = await lockedCursor(tx, dialect);
    const waiting = Object.keys(cursor.missing).map(Number);
    const late = waiting.length
      ? await tx.find(ChangeEvent, { seq: { $in: waiting } }, { orderBy: { seq: 'asc' } })
      : [];
    const fresh = await tx.find(
      ChangeEvent,
      { seq: { $gt: cursor.seq } },
      { orderBy: { seq: 'asc' }, limit: BATCH },
    );
    if (late.length === 0 && fresh.length === 0 && !hasExpired(cursor.missing, now)) return 0;

    const missing = { ...cursor.missing };
    for (const row of late) delete missing[row.seq];
    let readTo = cursor.seq;
    for (const row of fresh) {
      for (let skipped = Math.max(readTo + 1, row.seq - MISSING_MAX); skipped < row.seq; skipped++)
        missing[skipped] = now;
      readTo = row.seq;
    }
    const queued = await queueDeliveries(tx, [...late, ...fresh], log);
    tx.assign(cursor, { seq: readTo, missing: keptMissing(missing, now), updatedAt: new Date(now) });
    return queued;
  });
}

/** The cursor row, locked; made the first time at the newest event, so history is not delivered. */
async function lockedCursor(tx: EntityManager, dialect: Dialect) {
  const lock = dialect === 'postgresql' ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {};
  const cursor = await tx.findOne(FeedCursor, { consumer: FANOUT_CONSUMER }, lock);
  if (cursor) return cursor;
  const newest = await tx.findOne(
    ChangeEvent,
    { seq: { $gt: 0 } },
    { orderBy: { seq: 'desc' }, fields: ['seq'] },
  );
  // Two instances starting together both try; the second insert is ignored and waits for the first.
  await tx
    .createQueryBuilder(FeedCursor)
    .insert({ consumer: FANOUT_CONSUMER, seq: newest?.seq ?? 0, missing: {}, updatedAt: new Date() })
    .onConflict('consumer')
    .ignore()
    .execute();
  return tx.findOneOrFail(FeedCursor, { consumer: FANOUT_CONSUMER }, lock);
}

function hasExpired(missing: Record<string, number>, now: number): boolean {
  return Object.values(missing).some((since) => now - since > MISSING_KEPT_MS);
}

/** The missing numbers still worth looking for: missed within MISSING_KEPT_MS, the newest MISSING_MAX. */
function keptMissing(missing: Record<string, number>, now: number): Record<string, number> {
  const kept = Object.entries(missing)
    .filter(([, since]) => now - since <= MISSING_KEPT_MS)
    .sort(([a], [b]) => Number(b) - Number(a))
    .slice(0, MISSING_MAX);
  return Object.fromEntries(kept);
}

/** One delivery per subscribed active endpoint of each event's app, unless it is queued already or the endpoint is full. */
async function queueDeliveries(tx: EntityManager, changes: Change[], log?: FanOutLog): Promise<number> {
  const events = changes.flatMap((change) => {
    const type = webhookTypeOf(change.type as ChangeEventType);
    return type && change.appId ? [{ change, type, appId: change.appId }] : [];
  });
  if (events.length === 0) return 0;
  const endpoints = await tx.find(WebhookEndpoint, {
    app: { id: { $in: [...new Set(events.map((e) => e.appId))] }, deletedAt: null },
    status: 'active',
  });
  // An endpoint gets the changes from its creation on, not those that were waiting for the fan-out.
  const targets = events.flatMap((event) =>
    endpoints
      .filter(
        (endpoint) =>
          endpoint.app.id === event.appId &&
          endpoint.eventTypes.includes(event.type) &&
          endpoint.createdAt <= event.change.at,
      )
      .map((endpoint) => ({ ...event, endpoint })),
  );
  if (targets.length === 0) return 0;

  const queued = await tx.find(
    WebhookDelivery,
    {
      endpoint: { $in: [...new Set(targets.map((t) => t.endpoint.id))] },
      eventSeq: { $in: [...new Set(targets.map((t) => t.change.seq))] },
    },
    { fields: ['endpoint', 'eventSeq'] },
  );
  const done = new Set(queued.map((d) => `${d.endpoint.id} ${d.eventSeq}`));
  const auditIds = [...new Set(targets.flatMap((t) => (t.change.auditId ? [t.change.auditId] : [])))];
  const audits = new Map(
    (auditIds.length ? await tx.find(AuditEvent, { id: { $in: auditIds } }, { fields: ['after'] }) : []).map(
      (audit) => [audit.id, audit.after],
    ),
  );

  const now = new Date();
  const pending = await pendingCounts(tx, [...new Set(targets.map((t) => t.endpoint.id))]);
  const dropped = new Map<string, number>();
  let count = 0;
  for (const { change, type, endpoint } of targets) {
    if (done.has(`${endpoint.id} ${change.seq}`)) continue;
    const waiting = pending.get(endpoint.id) ?? 0;
    if (waiting >= PENDING_PER_ENDPOINT) {
      dropped.set(endpoint.id, (dropped.get(endpoint.id) ?? 0) + 1);
      continue;
    }
    pending.set(endpoint.id, waiting + 1);
    const facts = factsOf(change.data, change.auditId ? audits.get(change.auditId) : null);
    tx.create(WebhookDelivery, {
      id: crypto.randomUUID(),
      endpoint,
      appId: endpoint.app.id,
      messageId: newMessageId(),
      eventType: type,
      eventSeq: change.seq,
      payload: { ...eventPayload(type, change, facts) },
      status: 'pending',
      nextAttemptAt: firstAttemptAt(endpoint, now),
    });
    count++;
  }
  for (const [endpointId, events] of dropped)
    log?.warn(
      { endpointId, appId: targets.find((t) => t.endpoint.id === endpointId)?.appId, dropped: events },
      `webhook events dropped: the endpoint already has ${PENDING_PER_ENDPOINT} deliveries pending`,
    );
  return count;
}
