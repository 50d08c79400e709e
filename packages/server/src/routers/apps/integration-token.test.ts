import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { callApi, listen, portalClient } from '#test/http-client';
import { AuditEvent, ClientSecret, Connection, User } from '../../db/entities';
import {
  INTEGRATION_TOKEN_SECONDS,
  INTEGRATION_TOKEN_WINDOW_MINUTES,
  INTEGRATION_TOKENS_PER_WINDOW,
} from '../../services/apps/integration-token';

const TENANT = '985798691'; // ADMIN's
const TENANT2 = '100200300'; // ADMIN2's
const SCOPES = ['tn.crm.customers:r', 'tn.settings.employees:r'];

describe.each(dialects)('Integration tokens for the API reference on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Caller;
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    server = await listen(t);
    dev = await t.as(DEV);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const newApp = (credentialsMode: 'developer' | 'tenant_admin') =>
    dev.apps.create({
      name: `Reference App ${++appCount}`,
      homePageUrl: 'https://acme.example',
      tenantIds: [TENANT, TENANT2],
      kind: 'private',
      credentialsMode,
      scopes: SCOPES,
    });

  async function allow(email: string, tenantId: string, appId: string) {
    const admin = await t.as(email);
    const environment = 'integration';
    const { credentialsIssuer } = await admin.connections.app({ tenantId, environment, appId });
    return admin.connections.allow({ tenantId, environment, appId, credentialsIssuer });
  }

  async function dbState() {
    const em = t.db.em();
    const connections = await em.find(Connection, {}, { orderBy: { id: 'asc' } });
    const secrets = await em.find(ClientSecret, {}, { orderBy: { id: 'asc' } });
    return {
      connections: connections.map((c) => [c.id, c.status, c.revision]),
      secrets: secrets.map((s) => [s.id, s.expiresAt?.getTime() ?? null, s.revokedAt?.getTime() ?? null]),
      audit: await em.count(AuditEvent, {}),
    };
  }
  const refused = (call: () => Promise<unknown>) => rejectionWithoutChange(dbState, call);
  const ask =
    (caller: Caller, appId: string, tenantId = TENANT) =>
    () =>
      caller.apps.integrationToken({ appId, tenantId });

  describe('authorization', () => {
    let appId: string;
    beforeAll(async () => {
      appId = (await newApp('developer')).id;
      await allow(ADMIN, TENANT, appId);
      await dev.apps.generateSecret({ appId, tenantId: TENANT, environment: 'integration' });
    });

    it('is UNAUTHORIZED without a session', async () => {
      expect((await refused(ask(t.anonymous(), appId))).code).toBe('UNAUTHORIZED');
    });

    it('is FORBIDDEN to tenant admins and reviewers, even the admin of the connected tenant', async () => {
      for (const email of [ADMIN, ADMIN2, REVIEWER])
        expect((await refused(ask(await t.as(email), appId))).code, email).toBe('FORBIDDEN');
    });

    it("answers another organization's developer exactly like a missing app", async () => {
      const foreign = await refused(ask(await t.as(DEV2), appId));
      expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
      const missing = ask(dev, '00000000-0000-4000-8000-000000000000');
      expect(await refused(missing)).toEqual(foreign);
    });

    it('is NOT_FOUND for a tenant the app is not connected to, or connected to another app only', async () => {
      const missing = { code: 'NOT_FOUND', message: 'Connection not found', fieldErrors: null };
      expect(await refused(ask(dev, appId, TENANT2))).toEqual(missing);
      const other = await newApp('developer');
      expect(await refused(ask(dev, other.id))).toEqual(missing);
    });

    it('is FORBIDDEN for a connection whose credentials the tenant admin issues', async () => {
      const adminIssued = await newApp('tenant_admin');
      await allow(ADMIN, TENANT, adminIssued.id);
      const failure = await refused(ask(dev, adminIssued.id));
      expect(failure).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('is NOT_FOUND while the tenant admin has the connection disabled', async () => {
      const app = await newApp('developer');
      const { connection } = await allow(ADMIN, TENANT, app.id);
      await dev.apps.generateSecret({ appId: app.id, tenantId: TENANT, environment: 'integration' });
      await (await t.as(ADMIN)).connections.disable({ connectionId: connection.id });
      expect(await refused(ask(dev, app.id))).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('is a CONFLICT while the connection has no live client secret to bind the token to', async () => {
      const app = await newApp('developer');
      const { connection } = await allow(ADMIN, TENANT, app.id);
      const admin = await t.as(ADMIN);
      for (const secret of await t.db.em().find(ClientSecret, { connection: connection.id }))
        await admin.connections.revokeSecret({ connectionId: connection.id, secretId: secret.id });
      expect(await refused(ask(dev, app.id))).toMatchObject({ code: 'CONFLICT' });
    });

    it('refuses a malformed Tenant ID with a field error', async () => {
      const failure = await refused(ask(dev, appId, 'abc'));
      expect(failure.code).toBe('BAD_REQUEST');
      expect(Object.keys(failure.fieldErrors ?? {})).toEqual(['tenantId']);
    });
  });

  it('issues over HTTP a short-lived token that reads the tenant’s customers with the app key, and ends with the connection', async () => {
    const created = await newApp('developer');
    const { connection } = await allow(ADMIN, TENANT, created.id);
    const portal = portalClient(server.url);
    await portal.signIn(DEV);
    await portal.mutate('apps.generateSecret', {
      appId: created.id,
      tenantId: TENANT,
      environment: 'integration',
    });
    const before = Date.now();
    const issued = await portal.mutate('apps.integrationToken', { appId: created.id, tenantId: TENANT });
    expect(issued).toMatchObject({ tokenType: 'Bearer', scope: [...SCOPES].sort().join(' ') });
    const expiresAt = Date.parse(issued.expiresAt);
    expect(expiresAt).toBeLessThanOrEqual(before + INTEGRATION_TOKEN_SECONDS * 1000 + 1000);
    expect(expiresAt).toBeGreaterThan(before + (INTEGRATION_TOKEN_SECONDS - 5) * 1000);

    const path = `/integration/api/crm/v2/tenant/${TENANT}/customers?pageSize=3`;
    const call = () => callApi(server.url, path, { token: issued.accessToken, appKey: created.appKey });
    const answer = await call();
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(3);
    // Only the integration environment: the same token is no good in production.
    const production = await callApi(server.url, path.replace('integration', 'production'), {
      token: issued.accessToken,
      appKey: created.appKey,
    });
    expect(production.status).toBe(401);

    await (await t.as(ADMIN)).connections.disable({ connectionId: connection.id });
    await expect.poll(async () => (await call()).status, { timeout: 5000 }).not.toBe(200);
  });

  describe('the audit trail and the limit', () => {
    let appId: string;
    let connectionId: string;
    let portal: ReturnType<typeof portalClient>;
    const issuedEvents = () =>
      t.db
        .em()
        .find(AuditEvent, { action: 'connection.integration_token_issued' }, { orderBy: { at: 'asc' } });

    beforeAll(async () => {
      appId = (await newApp('developer')).id;
      connectionId = (await allow(ADMIN, TENANT, appId)).connection.id;
      await dev.apps.generateSecret({ appId, tenantId: TENANT, environment: 'integration' });
      portal = portalClient(server.url);
      await portal.signIn(DEV);
    });

    it('records each token issued: who, which connection and client, until when, which scope; never the token', async () => {
      const before = (await issuedEvents()).length;
      const issued = await portal.mutate('apps.integrationToken', { appId, tenantId: TENANT });
      const events = await issuedEvents();
      expect(events).toHaveLength(before + 1);
      const connection = await t.db.em().findOneOrFail(Connection, { id: connectionId });
      const dana = await t.db.em().findOneOrFail(User, { email: DEV });
      expect(events.at(-1)).toMatchObject({
        actorId: dana.id,
        actorEmail: DEV,
        organizationId: dana.organization?.id,
        appId,
        tenantId: TENANT,
        after: {
          connectionId,
          clientId: connection.clientId,
          environment: 'integration',
          expiresAt: issued.expiresAt,
          scope: issued.scope,
        },
      });
      expect(JSON.stringify(events.at(-1))).not.toContain(issued.accessToken);
    });

    it(`gives a developer at most ${INTEGRATION_TOKENS_PER_WINDOW} tokens in ${INTEGRATION_TOKEN_WINDOW_MINUTES} minutes`, async () => {
      const dana = await t.db.em().findOneOrFail(User, { email: DEV });
      const since = new Date(Date.now() - INTEGRATION_TOKEN_WINDOW_MINUTES * 60_000);
      const already = await t.db.em().count(AuditEvent, {
        action: 'connection.integration_token_issued',
        actorId: dana.id,
        at: { $gt: since },
      });
      for (let n = already; n < INTEGRATION_TOKENS_PER_WINDOW; n++)
        await portal.mutate('apps.integrationToken', { appId, tenantId: TENANT });
      const count = (await issuedEvents()).length;
      await expect(portal.mutate('apps.integrationToken', { appId, tenantId: TENANT })).rejects.toThrow(
        /429 You can get at most/,
      );
      expect(await issuedEvents()).toHaveLength(count);
    });

    it('answers a server that signs no tokens as unavailable, not as a failure of ours', async () => {
      const failure = await refused(ask(dev, appId));
      expect(failure).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: 'This server issues no access tokens for trying the API.',
      });
    });
  });
});
