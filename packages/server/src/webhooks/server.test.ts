import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { portalClient } from '#test/http-client';
import { eventually, type Receiver, startReceiver } from '#test/webhooks';
import { WebhookDelivery } from '../db/entities';
import { buildServer, type ServerOptions } from '../http/server';

/** A server on a free port with the given webhook options, and a signed-in portal client for each user. */
async function serve(t: TestDatabase, webhooks: ServerOptions['webhooks']) {
  const app = await buildServer({ db: t.db, logLevel: 'silent', usageFlushMs: 0, webhooks });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  const url = `http://127.0.0.1:${address.port}`;
  const as = async (email: string) => {
    const client = portalClient(url);
    await client.signIn(email);
    return client;
  };
  return { app, as };
}

describe.each(dialects)('webhooks over HTTP on %s', (dialect) => {
  let t: TestDatabase;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.stop();
    await t?.close();
  });

  it('the demo server accepts a localhost endpoint, delivers to it, and finishes the attempt under way when it closes', async () => {
    const server = await serve(t, { allowLoopback: true, pollMs: 50, retryScheduleMs: [60_000] });
    try {
      const dev = await server.as(DEV);
      const app = await dev.mutate('apps.create', newApp('Hooked over HTTP'));
      const { endpoint, secret } = await dev.mutate('webhooks.create', {
        appId: app.id,
        url: receiver.url,
        eventTypes: ['connection.allowed'],
      });
      const admin = await server.as(ADMIN);
      await admin.mutate('connections.allow', {
        tenantId: '985798691',
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      const got = await eventually(
        () => receiver.received.find((r) => r.body.includes(app.id)),
        'the delivery of the allowed connection',
      );
      expect(new Webhook(secret).verify(got.body, got.headers)).toMatchObject({ type: 'connection.allowed' });

      // An attempt under way when the server closes is finished and recorded, not dropped.
      let answered = false;
      receiver.answer((_request, response) => {
        setTimeout(() => {
          answered = true;
          response.writeHead(200).end('late');
        }, 300);
      });
      const test = await dev.mutate('webhooks.sendTest', { appId: app.id, endpointId: endpoint.id });
      await eventually(
        () => receiver.received.some((r) => r.headers['webhook-id'] === test.messageId),
        'the test event to arrive',
      );
      await server.app.close();
      expect(answered).toBe(true);
      const delivery = await t.db.em().findOneOrFail(WebhookDelivery, { id: test.id });
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatus: 200 });
    } finally {
      receiver.answer((_request, response) => response.writeHead(200).end('ok'));
      await server.app.close();
    }
  });

  it('a server that does not allow loopback refuses a localhost endpoint', async () => {
    const server = await serve(t, { pollMs: 50 });
    try {
      const dev = await server.as(DEV);
      const app = await dev.mutate('apps.create', newApp('Hooked on Nothing Local'));
      await expect(
        dev.mutate('webhooks.create', {
          appId: app.id,
          url: receiver.url,
          eventTypes: ['connection.allowed'],
        }),
      ).rejects.toThrow(/400 Use a public address: deliveries to localhost are for the embedded demo only/);
      expect(await dev.query('webhooks.list', { appId: app.id })).toEqual({ endpoints: [] });
    } finally {
      await server.app.close();
    }
  });
});
