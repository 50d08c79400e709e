import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { callApi, fetchToken, listen, portalClient } from '#test/http-client';

describe.each(dialects)('the whole story over plain HTTP (%s)', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    server = await listen(t);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('create → connect → token → read → write refused → v2 → still refused → upgrade → fresh token writes', async () => {
    const { url } = server;
    const dev = portalClient(url);
    await dev.signIn(DEV);
    const app = await dev.mutate('apps.create', {
      name: 'Story App',
      homePageUrl: 'https://story.example',
      tenantIds: ['985798691'],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    const admin = portalClient(url);
    await admin.signIn(ADMIN);
    // The admin reads the consent screen first; Allow names who it said issues the credentials.
    const consent = await admin.query('connections.app', {
      tenantId: '985798691',
      environment: 'integration',
      appId: app.id,
    });
    expect(consent.credentialsIssuer).toBe('tenant_admin');
    const granted = await admin.mutate('connections.allow', {
      tenantId: '985798691',
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: consent.credentialsIssuer,
    });

    const first = await fetchToken(url, 'integration', granted.clientId, granted.clientSecret);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'tn.crm.customers:r' });
    expect(first.body.refresh_token).toBeUndefined();

    const base = '/integration/api/crm/v2/tenant/985798691/customers';
    const list = await callApi(url, `${base}?pageSize=5`, {
      token: first.body.access_token,
      appKey: app.appKey,
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ page: 1, pageSize: 5, totalCount: 120, hasMore: true });
    expect(list.body.data).toHaveLength(5);
    expect(list.headers.get('x-ratelimit-limit')).toBe('60');

    const newCustomer = { name: 'Story Customer', type: 'Residential' };
    const refused = await callApi(url, base, {
      token: first.body.access_token,
      appKey: app.appKey,
      method: 'POST',
      body: newCustomer,
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'insufficient_scope', scope: 'tn.crm.customers:w' });

    await dev.mutate('apps.saveScopes', {
      appId: app.id,
      scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'],
    });
    const stillOld = await fetchToken(url, 'integration', granted.clientId, granted.clientSecret);
    expect(stillOld.body.scope).toBe('tn.crm.customers:r');
    const stillRefused = await callApi(url, base, {
      token: stillOld.body.access_token,
      appKey: app.appKey,
      method: 'POST',
      body: newCustomer,
    });
    expect(stillRefused.status).toBe(403);

    await admin.mutate('connections.upgrade', { connectionId: granted.connection.id, toVersion: 2 });
    const fresh = await fetchToken(url, 'integration', granted.clientId, granted.clientSecret);
    expect(fresh.body.scope).toBe('tn.crm.customers:r tn.crm.customers:w');
    const created = await callApi(url, base, {
      token: fresh.body.access_token,
      appKey: app.appKey,
      method: 'POST',
      body: newCustomer,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Story Customer', type: 'Residential', active: true });
    const readBack = await callApi(url, `${base}/${created.body.id}`, {
      token: fresh.body.access_token,
      appKey: app.appKey,
    });
    expect(readBack.body.name).toBe('Story Customer');
  });
});
