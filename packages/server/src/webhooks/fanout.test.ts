import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { eventually, queueBacklog, quietLog, type Receiver, startReceiver } from '#test/webhooks';
import { FeedCursor, WebhookDelivery } from '../db/entities';
import { type Database, openDatabase } from '../db/orm';
import { recordEvent } from '../events/record';
import { createApp } from '../services/apps/apps';
import { createEndpoint } from '../services/webhooks/endpoints';
import { FANOUT_CONSUMER, fanOut } from './fanout';
import { PENDING_PER_ENDPOINT } from './limits';
import { startWebhooks } from './runtime';

const TENANT = '985798691';

describe.each(dialects)('the webhook fan-out on %s', (dialect) => {
  let t: TestDatabase;
  /** A second instance on the same database. */
  let other: Database;
  let receiver: Receiver;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    other = await openDatabase(t.url);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.stop();
    await other?.close();
    await t?.close();
  });

  async function subscribedApp(name: string, url = 'https://hooks.example/in') {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp(name));
    const { endpoint } = await createEndpoint(
      t.db.em(),
      dev,
      { appId: app.id, url, eventTypes: ['connection.allowed', 'connection.disabled'] },
      { allowLoopback: true },
    );
    return { appId: app.id, endpointId: endpoint.id };
  }

  /** Commits `count` events of the app, one transaction each, like so many admins' clicks. */
  async function commitEvents(appId: string, count: number, type = 'connection.allowed' as const) {
    for (let i = 0; i < count; i++)
      await t.db.em().transactional(async (tx) => {
        recordEvent(tx, {
          type,
          appId,
          tenantId: TENANT,
          environment: 'integration',
          connectionId: `c-${i}`,
        });
      });
  }

  const deliveriesOf = (endpointId: string) =>
    t.db.em().find(WebhookDelivery, { endpoint: endpointId }, { orderBy: { eventSeq: 'asc' } });

  it('starts at the newest event the first time, queues each new subscribed event once, and a replay queues nothing', async () => {
    const { appId, endpointId } = await subscribedApp('Fanned Out');
    await commitEvents(appId, 2);
    // The first run makes the cursor where the feed is now: what came before is not delivered.
    await fanOut(t.db.em(), dialect);
    expect(await deliveriesOf(endpointId)).toHaveLength(0);

    await commitEvents(appId, 3);
    await t.db.em().transactional(async (tx) => {
      // Not subscribed, another app's, and not a webhook type at all: none is queued.
      recordEvent(tx, { type: 'connection.restored', appId, tenantId: TENANT });
      recordEvent(tx, { type: 'connection.allowed', appId: crypto.randomUUID(), tenantId: TENANT });
      recordEvent(tx, { type: 'app.details_changed', appId });
    });
    expect(await fanOut(t.db.em(), dialect)).toBe(3);
    const queued = await deliveriesOf(endpointId);
    expect(queued.map((d) => [d.eventType, d.status, d.attempts])).toEqual([
      ['connection.allowed', 'pending', 0],
      ['connection.allowed', 'pending', 0],
      ['connection.allowed', 'pending', 0],
    ]);
    expect(new Set(queued.map((d) => d.messageId)).size).toBe(3);
    expect(queued[0]?.payload).toMatchObject({
      type: 'connection.allowed',
      data: { appId, tenantId: TENANT, environment: 'integration', connectionId: 'c-0', clientId: null },
    });

    // A crash before the cursor moved replays its events: their deliveries are there already.
    const cursor = await t.db.em().findOneOrFail(FeedCursor, { consumer: FANOUT_CONSUMER });
    await t.db
      .em()
      .nativeUpdate(FeedCursor, { consumer: FANOUT_CONSUMER }, { seq: (queued[0]?.eventSeq ?? 1) - 1 });
    expect(await fanOut(t.db.em(), dialect)).toBe(0);
    expect(await deliveriesOf(endpointId)).toHaveLength(3);
    expect((await t.db.em().findOneOrFail(FeedCursor, { consumer: FANOUT_CONSUMER })).seq).toBe(cursor.seq);
  });

  it('drops the events for an endpoint with 10,000 deliveries pending, says how many in a warning, and queues again once there is room', async () => {
    const { appId, endpointId } = await subscribedApp('Fanned Out Full');
    const other = await subscribedApp('Fanned Out Beside');
    await fanOut(t.db.em(), dialect);
    const backlog = await queueBacklog(t, { appId, endpointId }, PENDING_PER_ENDPOINT);
    try {
      await commitEvents(appId, 2);
      await commitEvents(other.appId, 1);
      const log = quietLog();
      expect(await fanOut(t.db.em(), dialect, log)).toBe(1);
      expect(log.lines).toEqual([
        {
          level: 'warn',
          message: `webhook events dropped: the endpoint already has ${PENDING_PER_ENDPOINT} deliveries pending`,
          facts: { endpointId, appId, dropped: 2 },
        },
      ]);
      expect(await t.db.em().count(WebhookDelivery, { endpoint: endpointId, eventSeq: { $ne: null } })).toBe(
        0,
      );

      await t.db.em().nativeUpdate(WebhookDelivery, { id: backlog[0] }, { status: 'succeeded' });
      await commitEvents(appId, 1);
      expect(await fanOut(t.db.em(), dialect, log)).toBe(1);
      expect(log.lines).toHaveLength(1);
    } finally {
      await t.db.em().nativeUpdate(WebhookDelivery, { status: 'pending' }, { status: 'succeeded' });
    }
  });

  it('two instances fanning out at once never queue a delivery twice', async () => {
    const { appId, endpointId } = await subscribedApp('Fanned Out Twice');
    // The embedded database serves one process: there, its runs overlap within it.
    const second = dialect === 'postgresql' ? other : t.db;
    await fanOut(t.db.em(), dialect);
    const writing = commitEvents(appId, 40);
    const runs: Promise<number>[] = [];
    for (let i = 0; i < 20; i++) runs.push(fanOut(t.db.em(), dialect), fanOut(second.em(), dialect));
    await writing;
    await Promise.all(runs);
    await Promise.all([fanOut(t.db.em(), dialect), fanOut(second.em(), dialect)]);
    const queued = await deliveriesOf(endpointId);
    expect(queued).toHaveLength(40);
    expect(new Set(queued.map((d) => d.eventSeq)).size).toBe(40);
  });

  it.skipIf(dialect === 'sqlite')(
    'queues an event whose transaction commits after later ones were fanned out',
    async () => {
      const { appId, endpointId } = await subscribedApp('Fanned Out Late');
      await fanOut(t.db.em(), dialect);
      // A transaction takes its number, then waits (on a row lock, say) while a later one commits.
      const slow = t.db.em().fork();
      await slow.begin();
      recordEvent(slow, { type: 'connection.disabled', appId, tenantId: TENANT, connectionId: 'slow' });
      await slow.flush();
      await commitEvents(appId, 1);
      await fanOut(t.db.em(), dialect);
      expect((await deliveriesOf(endpointId)).map((d) => d.eventType)).toEqual(['connection.allowed']);
      const { missing } = await t.db.em().findOneOrFail(FeedCursor, { consumer: FANOUT_CONSUMER });
      expect(Object.keys(missing)).toHaveLength(1);

      await slow.commit();
      expect(await fanOut(t.db.em(), dialect)).toBe(1);
      const late = (await deliveriesOf(endpointId)).find((d) => d.eventType === 'connection.disabled');
      expect(late?.payload).toMatchObject({ data: { connectionId: 'slow' } });
      expect((await t.db.em().findOneOrFail(FeedCursor, { consumer: FANOUT_CONSUMER })).missing).toEqual({});
    },
  );

  it.skipIf(dialect === 'sqlite')(
    'two instances running webhooks deliver 50 events exactly once each',
    async () => {
      const { appId } = await subscribedApp('Delivered Once', receiver.url);
      const options = { allowLoopback: true, pollMs: 20, attemptTimeoutMs: 2000 };
      const stops = await Promise.all([
        startWebhooks(t.db, options, quietLog()),
        startWebhooks(other, options, quietLog()),
      ]);
      try {
        await commitEvents(appId, 50);
        const mine = () => receiver.received.filter((r) => r.body.includes(appId));
        await eventually(() => mine().length >= 50, '50 deliveries');
        // Time for a second delivery of any of them, were there one.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const ids = mine().map((r) => r.headers['webhook-id']);
        expect(ids).toHaveLength(50);
        expect(new Set(ids).size).toBe(50);
        const connections = mine().map((r) => JSON.parse(r.body).data.connectionId);
        expect(new Set(connections).size).toBe(50);
      } finally {
        await Promise.all(stops.map((stop) => stop()));
      }
    },
  );
});
