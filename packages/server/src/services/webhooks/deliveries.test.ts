import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { type Caller, DEV, dialects, openTestDatabase, rejection, type TestDatabase } from '#test/harness';
import { queueBacklog } from '#test/webhooks';
import { WebhookAttempt, WebhookDelivery } from '../../db/entities';
import { PENDING_PER_ENDPOINT } from '../../webhooks/limits';

describe.each(dialects)('a webhook endpoint delivery log on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appId: string;
  let endpointId: string;
  let otherEndpointId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    appId = (await dev.apps.create(newApp('Logged Hooks'))).id;
    const create = (path: string) =>
      dev.webhooks.create({ appId, url: `https://hooks.acme.example/${path}`, eventTypes: ['app.approved'] });
    endpointId = (await create('one')).endpoint.id;
    otherEndpointId = (await create('two')).endpoint.id;
  });
  afterAll(async () => t?.close());

  /** Sends a test event and marks it delivered, as the worker would: one test event may wait at a time. */
  async function sendDelivered(target = endpointId) {
    await t.db
      .em()
      .nativeUpdate(WebhookDelivery, { endpoint: target, status: 'pending' }, { status: 'succeeded' });
    const sent = await dev.webhooks.sendTest({ appId, endpointId: target });
    await t.db
      .em()
      .nativeUpdate(WebhookDelivery, { id: sent.id }, { status: 'succeeded', nextAttemptAt: null });
    return sent;
  }

  it('lists an endpoint deliveries newest first, a page at a time, and only that endpoint', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 11; i++) sent.push((await sendDelivered()).id);
    sent.push((await dev.webhooks.sendTest({ appId, endpointId })).id);
    await sendDelivered(otherEndpointId);
    const seen: { id: string; createdAt: Date }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await dev.webhooks.deliveries({ appId, endpointId, limit: 5, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    // Newest first; deliveries made in the same millisecond come in an order of their own, once each.
    expect(seen.map((d) => d.id).sort()).toEqual([...sent].sort());
    const times = seen.map((d) => d.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(seen[0]?.createdAt.getTime()).toBeGreaterThan(seen[11]?.createdAt.getTime() ?? Infinity);

    const first = await dev.webhooks.deliveries({ appId, endpointId, limit: 5 });
    expect(first.items[0]).toMatchObject({
      endpointId,
      eventType: 'webhook.test',
      status: 'pending',
      attempts: 0,
      attemptLog: [],
      payload: { type: 'webhook.test', data: { appId, endpointId, tenantId: null } },
    });
    // A page link of one endpoint's log is no page of another's.
    const refused = await rejection(
      dev.webhooks.deliveries({
        appId,
        endpointId: otherEndpointId,
        limit: 5,
        cursor: first.nextCursor ?? '',
      }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
  });

  it('shows each delivery with its newest 50 attempts, newest first', async () => {
    const { id } = await sendDelivered();
    const start = Date.now() - 3600_000;
    await t.db.em().insertMany(
      WebhookAttempt,
      Array.from({ length: 60 }, (_, i) => ({
        id: crypto.randomUUID(),
        delivery: id,
        endpointId,
        at: new Date(start + i * 1000),
        status: 500,
        error: null,
        durationMs: i,
        responseExcerpt: `try ${i}`,
      })),
    );
    const [shown] = (await dev.webhooks.deliveries({ appId, endpointId, limit: 1 })).items;
    expect(shown?.attemptLog).toHaveLength(50);
    expect(shown?.attemptLog[0]?.responseExcerpt).toBe('try 59');
    expect(shown?.attemptLog[49]?.responseExcerpt).toBe('try 10');
  });

  it('resends a delivery now under the same message id, and a test event is sent like any other', async () => {
    await t.db.em().nativeUpdate(WebhookDelivery, { endpoint: endpointId }, { status: 'succeeded' });
    const test = await dev.webhooks.sendTest({ appId, endpointId });
    const stored = await t.db.em().findOneOrFail(WebhookDelivery, { id: test.id });
    expect(stored.eventSeq).toBeNull();
    expect(test.nextAttemptAt?.getTime()).toBeLessThanOrEqual(Date.now());
    await t.db
      .em()
      .nativeUpdate(
        WebhookDelivery,
        { id: test.id },
        { status: 'failed', attempts: 11, nextAttemptAt: null, lockedUntil: new Date(Date.now() + 60_000) },
      );
    const before = Date.now();
    const resent = await dev.webhooks.resend({ appId, deliveryId: test.id });
    expect(resent).toMatchObject({ id: test.id, messageId: test.messageId, status: 'pending', attempts: 11 });
    expect(resent.nextAttemptAt?.getTime()).toBeGreaterThanOrEqual(before - 5);
    const queued = await t.db.em().findOneOrFail(WebhookDelivery, { id: test.id });
    expect(queued.lockedUntil).toBeNull();
  });

  it('takes one test event at a time per endpoint, refuses to resend a delivery about to go, and caps what waits', async () => {
    const settle = (where: object) =>
      t.db.em().nativeUpdate(WebhookDelivery, where, {
        status: 'succeeded',
        nextAttemptAt: null,
        lockedUntil: null,
      });
    await settle({ appId });
    const first = await dev.webhooks.sendTest({ appId, endpointId });
    expect(await rejection(dev.webhooks.sendTest({ appId, endpointId }))).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringContaining('A test event to this endpoint is still waiting to be delivered'),
    });
    // Another endpoint of the app is not held back.
    await dev.webhooks.sendTest({ appId, endpointId: otherEndpointId });

    // Due now, or being sent: a resend would add nothing but another attempt at once.
    const refused = await rejection(dev.webhooks.resend({ appId, deliveryId: first.id }));
    expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('within seconds') });
    const update = (changes: object) => t.db.em().nativeUpdate(WebhookDelivery, { id: first.id }, changes);
    await update({
      nextAttemptAt: new Date(Date.now() + 60_000),
      lockedUntil: new Date(Date.now() + 60_000),
    });
    expect((await rejection(dev.webhooks.resend({ appId, deliveryId: first.id }))).code).toBe('CONFLICT');
    // Waiting a minute for its next retry, it may be brought forward.
    await update({ lockedUntil: null, attempts: 3 });
    const resent = await dev.webhooks.resend({ appId, deliveryId: first.id });
    expect(resent).toMatchObject({ status: 'pending', attempts: 3 });
    expect(resent.nextAttemptAt?.getTime()).toBeLessThanOrEqual(Date.now());

    // Once it is delivered, the next test event may go.
    await settle({ id: first.id });
    const second = await dev.webhooks.sendTest({ appId, endpointId });
    // With the most that may wait queued, neither a resend nor a test event adds one more.
    await queueBacklog(t, { appId, endpointId }, PENDING_PER_ENDPOINT - 1);
    const full = await rejection(dev.webhooks.resend({ appId, deliveryId: first.id }));
    expect(full).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'This endpoint already has 10,000 deliveries waiting. Try again once they have gone out.',
    });
    await settle({ id: second.id });
    await t.db.em().nativeUpdate(WebhookDelivery, { id: first.id }, { status: 'failed' });
    await dev.webhooks.resend({ appId, deliveryId: first.id });
    expect((await rejection(dev.webhooks.sendTest({ appId, endpointId }))).code).toBe('TOO_MANY_REQUESTS');
    expect(await t.db.em().count(WebhookDelivery, { endpoint: endpointId, status: 'pending' })).toBe(
      PENDING_PER_ENDPOINT,
    );
    await settle({ endpoint: endpointId });
  });
});
