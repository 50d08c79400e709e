import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { eventually, queueBacklog, quietLog } from '#test/webhooks';
import { WebhookAttempt, WebhookDelivery } from '../db/entities';
import { DELIVERY_RETENTION_DAYS, pruneDeliveries } from './retention';
import { startWebhooks } from './runtime';

const DAY = 86_400_000;

describe.each(dialects)('delivery retention on %s', (dialect) => {
  let t: TestDatabase;
  let target: { appId: string; endpointId: string };

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const dev = await t.as(DEV);
    const appId = (await dev.apps.create(newApp('Kept a Month'))).id;
    const { endpoint } = await dev.webhooks.create({
      appId,
      url: 'https://hooks.acme.example/kept',
      eventTypes: ['app.approved'],
    });
    target = { appId, endpointId: endpoint.id };
  });
  afterAll(async () => t?.close());

  /** Deliveries queued `ageDays` ago, in the given state, each with one attempt in its log. */
  async function deliveries(count: number, ageDays: number, status: 'pending' | 'succeeded' | 'failed') {
    const ids = await queueBacklog(t, target, count, { ageMs: ageDays * DAY });
    await t.db.em().nativeUpdate(WebhookDelivery, { id: { $in: ids } }, { status });
    await t.db.em().insertMany(
      WebhookAttempt,
      ids.map((id) => ({
        id: crypto.randomUUID(),
        delivery: id,
        endpointId: target.endpointId,
        at: new Date(Date.now() - ageDays * DAY),
        status: 500,
        error: null,
        durationMs: 5,
        responseExcerpt: 'no',
      })),
    );
    return ids;
  }

  it('deletes finished deliveries older than 30 days with their attempts, in batches, and keeps the rest', async () => {
    expect(DELIVERY_RETENTION_DAYS).toBe(30);
    const old = [...(await deliveries(5, 31, 'succeeded')), ...(await deliveries(2, 40, 'failed'))];
    const waiting = await deliveries(1, 45, 'pending');
    const recent = [...(await deliveries(2, 29, 'succeeded')), ...(await deliveries(1, 29, 'failed'))];

    // Batches of two: seven old ones take four statements, and every one goes.
    expect(await pruneDeliveries(t.db.em, 30, Date.now(), 2)).toBe(7);
    const left = await t.db.em().find(WebhookDelivery, { endpoint: target.endpointId });
    expect(left.map((d) => d.id).sort()).toEqual([...waiting, ...recent].sort());
    expect(await t.db.em().count(WebhookAttempt, { delivery: { $in: old } })).toBe(0);
    expect(await t.db.em().count(WebhookAttempt, { delivery: { $in: [...waiting, ...recent] } })).toBe(4);
    expect(await pruneDeliveries(t.db.em, 30, Date.now(), 2)).toBe(0);
  });

  it('runs by itself where webhook delivery runs', async () => {
    const old = await deliveries(3, 35, 'succeeded');
    // Nothing for the worker to send meanwhile.
    await t.db.em().nativeUpdate(WebhookDelivery, { status: 'pending' }, { status: 'failed' });
    const stop = await startWebhooks(t.db, { pollMs: 1000, retryScheduleMs: [600_000] }, quietLog());
    try {
      await eventually(
        async () => (await t.db.em().count(WebhookDelivery, { id: { $in: old } })) === 0,
        'old deliveries to be deleted',
      );
    } finally {
      await stop();
    }
  });
});
