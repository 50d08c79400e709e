import { WEBHOOK_LIMITS } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import {
  ADMIN,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { callerWith } from '#test/webhooks';
import { AuditEvent, ChangeEvent, WebhookDelivery, WebhookEndpoint } from '../../db/entities';

const URL_ = 'https://hooks.acme.example/gatehouse';

describe.each(dialects)('webhook endpoints on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appId: string;
  let endpointId: string;
  let deliveryId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    appId = (await dev.apps.create(newApp('Hook Keeper'))).id;
    endpointId = (await dev.webhooks.create({ appId, url: URL_, eventTypes: ['connection.allowed'] }))
      .endpoint.id;
    deliveryId = (await dev.webhooks.sendTest({ appId, endpointId })).id;
  });
  afterAll(async () => t?.close());

  /** What a refused call must leave as it was: the app's endpoints, its deliveries and the audit trail. */
  const state = async () => {
    const em = t.db.em();
    return {
      endpoints: await em.find(WebhookEndpoint, {}, { orderBy: { id: 'asc' } }),
      deliveries: await em.find(WebhookDelivery, {}, { orderBy: { id: 'asc' } }),
      audits: await em.count(AuditEvent, {}),
      changes: await em.count(ChangeEvent, {}),
    };
  };

  /** Every webhook procedure, called on the demo developer's app, endpoint and delivery. */
  const everyProcedure = (caller: Caller, ids = { appId, endpointId, deliveryId }) => ({
    list: () => caller.webhooks.list({ appId: ids.appId }),
    create: () => caller.webhooks.create({ appId: ids.appId, url: URL_, eventTypes: ['app.approved'] }),
    update: () => caller.webhooks.update({ appId: ids.appId, endpointId: ids.endpointId, enabled: false }),
    rotateSecret: () =>
      caller.webhooks.rotateSecret({ appId: ids.appId, endpointId: ids.endpointId, graceHours: 0 }),
    delete: () => caller.webhooks.delete({ appId: ids.appId, endpointId: ids.endpointId }),
    deliveries: () => caller.webhooks.deliveries({ appId: ids.appId, endpointId: ids.endpointId, limit: 10 }),
    resend: () => caller.webhooks.resend({ appId: ids.appId, deliveryId: ids.deliveryId }),
    sendTest: () => caller.webhooks.sendTest({ appId: ids.appId, endpointId: ids.endpointId }),
  });

  it('refuses every procedure without a session, to tenant admins and to reviewers outside an organization', async () => {
    const refused = [
      [t.anonymous(), 'UNAUTHORIZED'],
      [await t.as(ADMIN), 'FORBIDDEN'],
      [await t.as(REVIEWER), 'FORBIDDEN'],
    ] as const;
    for (const [caller, code] of refused)
      for (const [name, call] of Object.entries(everyProcedure(caller)))
        expect((await rejectionWithoutChange(state, call)).code, `${name}: ${code}`).toBe(code);
  });

  it('answers a developer of another organization as if the app did not exist, and changes nothing', async () => {
    const other = await t.as(DEV2);
    const missing = await rejection(dev.webhooks.list({ appId: crypto.randomUUID() }));
    for (const [name, call] of Object.entries(everyProcedure(other))) {
      const refusal = await rejectionWithoutChange(state, call);
      expect(refusal, name).toEqual(missing);
    }
    // Their own app with this app's endpoint or delivery: not theirs either.
    const own = (await other.apps.create(newApp('Other Hook Keeper'))).id;
    for (const [name, call] of Object.entries(
      everyProcedure(other, { appId: own, endpointId, deliveryId }),
    )) {
      if (name === 'list' || name === 'create') continue;
      expect((await rejectionWithoutChange(state, call)).code, name).toBe('NOT_FOUND');
    }
  });

  it('answers NOT_FOUND for a deleted app, and for ids that are no ids', async () => {
    const app = await dev.apps.create(newApp('Hook Keeper Gone'));
    const { endpoint } = await dev.webhooks.create({
      appId: app.id,
      url: URL_,
      eventTypes: ['app.rejected'],
    });
    await dev.apps.delete({ appId: app.id, confirmName: 'Hook Keeper Gone' });
    const ids = { appId: app.id, endpointId: endpoint.id, deliveryId };
    for (const [name, call] of Object.entries(everyProcedure(dev, ids)))
      expect((await rejection(call())).code, name).toBe('NOT_FOUND');
    const malformed = { appId, endpointId: 'not-an-id', deliveryId: 'not-an-id' };
    for (const [name, call] of Object.entries(everyProcedure(dev, malformed))) {
      if (name === 'list' || name === 'create') continue;
      expect((await rejection(call())).code, name).toBe('NOT_FOUND');
    }
  });

  it('refuses a bad URL, no event types or an unknown one with a field error, changing nothing', async () => {
    const bad = [
      [{ url: 'not a url' }, 'url'],
      [{ url: 'http://hooks.acme.example/plain' }, 'url'],
      [{ url: 'https://user:pass@hooks.acme.example/' }, 'url'],
      [{ url: 'http://localhost:4000/hook' }, 'url'],
      [{ url: 'https://127.0.0.1/hook' }, 'url'],
      [{ url: 'https://10.1.2.3/hook' }, 'url'],
      [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url'],
      // IPv4-compatible IPv6 carries 127.0.0.1 and 169.254.169.254; a trailing dot still names this machine.
      [{ url: 'https://[::7f00:1]/hook' }, 'url'],
      [{ url: 'https://[::a9fe:a9fe]/latest/meta-data' }, 'url'],
      [{ url: 'https://localhost./hook' }, 'url'],
      [{ url: 'https://foo.localhost./hook' }, 'url'],
      [{ eventTypes: [] }, 'eventTypes'],
      [{ eventTypes: ['connection.exploded'] }, 'eventTypes'],
      [{ eventTypes: ['webhook.test'] }, 'eventTypes'],
    ] as const;
    for (const [change, field] of bad) {
      const input = { appId, url: URL_, eventTypes: ['connection.allowed'], ...change } as never;
      const refusal = await rejectionWithoutChange(state, () => dev.webhooks.create(input));
      expect(refusal.code, JSON.stringify(change)).toBe('BAD_REQUEST');
      expect(refusal.fieldErrors?.[field], JSON.stringify(change)).toBeTruthy();
      if (field === 'url' && 'url' in change && /^https?:\/\/(foo\.)?localhost/.test(change.url))
        expect(refusal.fieldErrors?.url).toMatch(/embedded demo only/);
    }
    for (const url of ['https://127.0.0.1/hook', 'https://[::7f00:1]/hook', 'https://localhost./hook']) {
      const update = await rejectionWithoutChange(state, () =>
        dev.webhooks.update({ appId, endpointId, url }),
      );
      expect(update.fieldErrors?.url, url).toBeTruthy();
    }
  });

  it('accepts localhost only where the demo allows it', async () => {
    const demo = await callerWith(t, DEV, true);
    const app = (await demo.apps.create(newApp('Hook Keeper Local'))).id;
    const created = await demo.webhooks.create({
      appId: app,
      url: 'http://localhost:4000/hook',
      eventTypes: ['connection.allowed'],
    });
    expect(created.endpoint.url).toBe('http://localhost:4000/hook');
    const refused = await rejection(
      demo.webhooks.create({ appId: app, url: 'https://10.1.2.3/hook', eventTypes: ['connection.allowed'] }),
    );
    expect(refused.fieldErrors?.url).toMatch(/public address/);
  });

  it('shows the secret once, records who changed what without it, and keeps no more than the limit', async () => {
    const app = (await dev.apps.create(newApp('Hook Keeper Audited'))).id;
    const created = await dev.webhooks.create({ appId: app, url: URL_, eventTypes: ['app.approved'] });
    const id = created.endpoint.id;
    await dev.webhooks.update({ appId: app, endpointId: id, eventTypes: ['app.approved', 'app.rejected'] });
    const turnedOff = await dev.webhooks.update({ appId: app, endpointId: id, enabled: false });
    expect(turnedOff).toMatchObject({ status: 'disabled', disabledReason: 'developer' });
    const rotated = await dev.webhooks.rotateSecret({ appId: app, endpointId: id, graceHours: 24 });
    await dev.webhooks.delete({ appId: app, endpointId: id });
    expect((await dev.webhooks.list({ appId: app })).endpoints).toEqual([]);

    const em = t.db.em();
    const audits = await em.find(
      AuditEvent,
      { appId: app, action: { $like: 'webhook.%' } },
      { orderBy: { at: 'asc' } },
    );
    expect(audits.map((a) => a.action)).toEqual([
      'webhook.endpoint_created',
      'webhook.endpoint_changed',
      'webhook.endpoint_changed',
      'webhook.secret_rotated',
      'webhook.endpoint_deleted',
    ]);
    const trail = JSON.stringify(audits);
    for (const secret of [created.secret, rotated.secret]) {
      expect(trail).not.toContain(secret);
      expect(trail).not.toContain(secret.slice(12));
    }
    expect(audits[2]).toMatchObject({
      before: expect.objectContaining({ status: 'active' }),
      after: expect.objectContaining({ status: 'disabled', disabledReason: 'developer' }),
    });
    // Each change is an event of the feed too, naming the endpoint, from the same transaction.
    const events = await em.find(
      ChangeEvent,
      { appId: app, type: { $like: 'webhook.%' } },
      { orderBy: { seq: 'asc' } },
    );
    expect(events.map((e) => [e.type, e.auditId, e.data])).toEqual(
      audits.map((a) => [a.action, a.id, { endpointId: id }]),
    );

    for (let i = 0; i < WEBHOOK_LIMITS.endpointsPerApp; i++)
      await dev.webhooks.create({ appId: app, url: `${URL_}/${i}`, eventTypes: ['app.approved'] });
    const tooMany = await rejectionWithoutChange(state, () =>
      dev.webhooks.create({ appId: app, url: URL_, eventTypes: ['app.approved'] }),
    );
    expect(tooMany).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('at most 10') });
  });
});
