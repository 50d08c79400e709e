import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import {
  ADMIN,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  rejection,
  type TestDatabase,
} from '#test/harness';
import { callerWith, eventually, quietLog, type Receiver, startReceiver } from '#test/webhooks';
import { AuditEvent } from '../db/entities';
import { startWebhooks, type WebhookOptions } from './runtime';

const TENANT = '985798691';

/** The signed body of a delivery, as the receiver got it. */
const bodyOf = (body: string) => JSON.parse(body) as { type: string; data: Record<string, unknown> };

describe.each(dialects)('webhook deliveries on %s', (dialect) => {
  let t: TestDatabase;
  let receiver: Receiver;
  let dev: Caller;
  let admin: Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    receiver = await startReceiver();
    dev = await callerWith(t, DEV, true);
    admin = await t.as(ADMIN);
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  /** Runs `test` with webhook delivery running on the test database, as a server would. */
  async function withWebhooks(options: WebhookOptions, test: () => Promise<void>) {
    const stop = await startWebhooks(
      t.db,
      { allowLoopback: true, pollMs: 50, attemptTimeoutMs: 2000, ...options },
      quietLog(),
    );
    try {
      await test();
    } finally {
      await stop();
    }
  }

  async function appWithEndpoint(
    name: string,
    url = receiver.url,
    eventTypes = ['connection.allowed'] as const,
  ) {
    const app = await dev.apps.create(newApp(name));
    const { endpoint, secret } = await dev.webhooks.create({
      appId: app.id,
      url,
      eventTypes: [...eventTypes],
    });
    return { appId: app.id, endpointId: endpoint.id, secret, endpoint };
  }

  /** Waits for the delivery to be recorded as `status` (an arrival is recorded a moment after it is received). */
  const recordedAs = (appId: string, endpointId: string, id: string, status: string) =>
    eventually(async () => {
      const page = await dev.webhooks.deliveries({ appId, endpointId, limit: 100 });
      return page.items.find((d) => d.id === id && d.status === status);
    }, `delivery ${id} to be ${status}`);

  const receivedFor = (appId: string, type?: string) =>
    receiver.received.filter((r) => {
      const body = bodyOf(r.body);
      return body.data.appId === appId && (!type || body.type === type);
    });

  it('delivers a signed event naming the app, tenant, environment and ids when a tenant admin allows the app', async () => {
    await withWebhooks({}, async () => {
      const { appId, endpointId, secret, endpoint } = await appWithEndpoint('Hooked on Allow');
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(endpoint.secretStart).toBe(secret.slice(0, 12));
      expect(JSON.stringify(await dev.webhooks.list({ appId }))).not.toContain(secret);

      const issued = await admin.connections.allow({
        tenantId: TENANT,
        environment: 'integration',
        appId,
        credentialsIssuer: 'tenant_admin',
      });
      const [got] = await eventually(() => {
        const found = receivedFor(appId);
        return found.length ? found : null;
      }, 'the delivery');
      if (!got) throw new Error('no delivery');

      const verified = new Webhook(secret).verify(got.body, got.headers);
      expect(verified).toEqual({
        type: 'connection.allowed',
        timestamp: expect.any(String),
        data: {
          appId,
          tenantId: TENANT,
          environment: 'integration',
          connectionId: issued.connection.id,
          clientId: issued.clientId,
          acceptedVersion: 1,
        },
      });
      expect(got.method).toBe('POST');
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['user-agent']).toBe('Gatehouse-Webhooks/1');
      expect(got.headers['webhook-id']).toMatch(/^msg_/);
      expect(Number(got.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      // Neither the client secret nor the signing secret, whole or its random part, is in the body.
      for (const hidden of [issued.clientSecret, secret, secret.slice('whsec_'.length)])
        expect(got.body).not.toContain(hidden);

      const log = await eventually(async () => {
        const page = await dev.webhooks.deliveries({ appId, endpointId, limit: 10 });
        return page.items[0]?.status === 'succeeded' ? page : null;
      }, 'the delivery to show as succeeded');
      const [delivery] = log.items;
      expect(log.items).toHaveLength(1);
      expect(delivery).toMatchObject({
        eventType: 'connection.allowed',
        messageId: got.headers['webhook-id'],
        attempts: 1,
        lastStatus: 200,
        nextAttemptAt: null,
      });
      expect(delivery?.attemptLog).toEqual([
        expect.objectContaining({ status: 200, error: null, responseExcerpt: 'ok' }),
      ]);
      const [listed] = (await dev.webhooks.list({ appId })).endpoints;
      expect(listed?.lastDelivery).toMatchObject({ status: 'succeeded', lastStatus: 200 });
    });
  });

  it('signs with both secrets while a rotation grace period lasts, and with the new one only after', async () => {
    await withWebhooks({}, async () => {
      const { appId, endpointId, secret: first } = await appWithEndpoint('Hooked on Rotation');
      const rotated = await dev.webhooks.rotateSecret({ appId, endpointId, graceHours: 1 });
      const second = rotated.secret;
      expect(second).not.toBe(first);
      expect(rotated.endpoint.secretStart).toBe(second.slice(0, 12));
      expect(rotated.endpoint.previousSecretExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 3500_000);

      const during = await dev.webhooks.sendTest({ appId, endpointId });
      const gotDuring = await eventually(
        () => receiver.received.find((r) => r.headers['webhook-id'] === during.messageId),
        'the test event during the grace period',
      );
      expect(gotDuring.headers['webhook-signature']?.split(' ')).toHaveLength(2);
      expect(new Webhook(first).verify(gotDuring.body, gotDuring.headers)).toMatchObject({
        type: 'webhook.test',
      });
      expect(new Webhook(second).verify(gotDuring.body, gotDuring.headers)).toMatchObject({
        data: { appId, endpointId, tenantId: null },
      });
      // One test event waits at a time: the next once this one is recorded as delivered.
      await recordedAs(appId, endpointId, during.id, 'succeeded');

      const third = (await dev.webhooks.rotateSecret({ appId, endpointId, graceHours: 0 })).secret;
      const after = await dev.webhooks.sendTest({ appId, endpointId });
      const gotAfter = await eventually(
        () => receiver.received.find((r) => r.headers['webhook-id'] === after.messageId),
        'the test event after the rotation without grace',
      );
      expect(new Webhook(third).verify(gotAfter.body, gotAfter.headers)).toMatchObject({
        type: 'webhook.test',
      });
      expect(() => new Webhook(second).verify(gotAfter.body, gotAfter.headers)).toThrow();
      expect(() => new Webhook(first).verify(gotAfter.body, gotAfter.headers)).toThrow();
    });
  });

  it('retries a receiver that is down with growing delays, and a resend once it is back succeeds', async () => {
    const down = await startReceiver();
    await down.stop();
    await withWebhooks({ retryScheduleMs: [200, 1000, 60_000] }, async () => {
      const { appId, endpointId } = await appWithEndpoint('Hooked on a Down Receiver', down.url);
      const test = await dev.webhooks.sendTest({ appId, endpointId });
      const retrying = await eventually(async () => {
        const [delivery] = (await dev.webhooks.deliveries({ appId, endpointId, limit: 10 })).items;
        return delivery?.attempts === 3 ? delivery : null;
      }, 'three failed attempts');
      expect(retrying.status).toBe('pending');
      const attempts = [...retrying.attemptLog].reverse();
      expect(attempts.map((a) => [a.status, a.error])).toEqual([
        [null, 'Connection refused'],
        [null, 'Connection refused'],
        [null, 'Connection refused'],
      ]);
      // Each retry waits at least its delay less the jitter (a loaded machine may make it later, never sooner).
      const [first, second, third] = attempts.map((a) => a.at.getTime()) as [number, number, number];
      expect(second - first).toBeGreaterThanOrEqual(160);
      expect(third - second).toBeGreaterThanOrEqual(800);
      // The next try is a minute away, give or take the jitter (and the attempt's own time).
      const wait = (retrying.nextAttemptAt?.getTime() ?? 0) - (retrying.lastAttemptAt?.getTime() ?? 0);
      expect(wait).toBeGreaterThanOrEqual(48_000);
      expect(wait).toBeLessThanOrEqual(72_000 + 10_000);

      await down.start();
      const resent = await dev.webhooks.resend({ appId, deliveryId: test.id });
      expect(resent.status).toBe('pending');
      const succeeded = await eventually(async () => {
        const [delivery] = (await dev.webhooks.deliveries({ appId, endpointId, limit: 10 })).items;
        return delivery?.status === 'succeeded' ? delivery : null;
      }, 'the resent delivery to succeed');
      expect(succeeded.attempts).toBe(4);
      expect(succeeded.attemptLog[0]).toMatchObject({ status: 200, error: null });
      expect(down.received.map((r) => r.headers['webhook-id'])).toEqual([test.messageId]);
      const [endpoint] = (await dev.webhooks.list({ appId })).endpoints;
      expect(endpoint?.failingSince).toBeNull();
    });
    await down.stop();
  });

  it('gives a delivery up after its schedule, turns the failing endpoint off and tells the developers', async () => {
    await withWebhooks({ retryScheduleMs: [50, 100] }, async () => {
      const failing = await startReceiver();
      failing.answer((_request, response) => response.writeHead(500).end('broken'));
      const { appId, endpointId } = await appWithEndpoint('Hooked on a Broken Receiver', failing.url);
      const test = await dev.webhooks.sendTest({ appId, endpointId });
      const endpoint = await eventually(async () => {
        const [found] = (await dev.webhooks.list({ appId })).endpoints;
        return found?.status === 'disabled' ? found : null;
      }, 'the endpoint to be turned off');
      expect(endpoint.disabledReason).toBe('failing');
      expect(endpoint.lastDelivery).toMatchObject({ status: 'failed', lastStatus: 500 });
      const [delivery] = (await dev.webhooks.deliveries({ appId, endpointId, limit: 10 })).items;
      expect(delivery).toMatchObject({ id: test.id, status: 'failed', attempts: 3, nextAttemptAt: null });
      expect(delivery?.attemptLog.map((a) => a.responseExcerpt)).toEqual(['broken', 'broken', 'broken']);
      expect(failing.received).toHaveLength(3);

      const notices = await dev.notifications.list();
      expect(notices.items[0]).toMatchObject({ appId, read: false });
      expect(notices.items[0]?.message).toContain('Hooked on a Broken Receiver');
      expect(notices.items[0]?.message).toContain(failing.url);
      const others = await (await t.as(DEV2)).notifications.list();
      expect(others.items.some((n) => n.appId === appId)).toBe(false);
      const audit = await t.db.em().findOneOrFail(AuditEvent, { appId, action: 'webhook.endpoint_changed' });
      expect(audit).toMatchObject({
        actorId: null,
        after: expect.objectContaining({ disabledReason: 'failing' }),
      });

      // Turned off, it is sent nothing, until the developer turns it back on.
      expect(await rejection(dev.webhooks.resend({ appId, deliveryId: test.id }))).toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining('turned off'),
      });
      expect((await rejection(dev.webhooks.sendTest({ appId, endpointId }))).code).toBe('CONFLICT');
      failing.answer((_request, response) => response.writeHead(204).end());
      const back = await dev.webhooks.update({ appId, endpointId, enabled: true });
      expect(back).toMatchObject({ status: 'active', disabledReason: null, failingSince: null });
      await dev.webhooks.resend({ appId, deliveryId: test.id });
      await eventually(async () => {
        const [again] = (await dev.webhooks.deliveries({ appId, endpointId, limit: 10 })).items;
        return again?.status === 'succeeded';
      }, 'the resend after turning it back on');
      await failing.stop();
    });
  });
});
