import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, rejection } from '#test/harness';
import { callApi, fetchToken } from '#test/http-client';
import { CUSTOMERS_ROUTE, customers, type RequestLogRig, requestLogRig, T1, T2 } from '#test/requests';
import { TOKEN_ROUTE } from './line';

type Line = Awaited<ReturnType<RequestLogRig['dev']['requests']['appLog']>>['items'][number];

/** What a client can check of a line against its own call. */
const seen = (line: Line) => ({
  requestId: line.requestId,
  kind: line.kind,
  tenantId: line.tenantId,
  environment: line.environment,
  method: line.method,
  route: line.route,
  status: line.status,
  errorCode: line.errorCode,
});

/** Every batch written on the event loop, or every batch on the writer thread (as a busy server does). */
const writers = { 'event loop': { threadFrom: null }, 'writer thread': { threadFrom: 1 } } as const;
const cases = dialects.flatMap((dialect) =>
  (['event loop', 'writer thread'] as const).map((writer) => [dialect, writer] as const),
);

describe.each(cases)('the request log over HTTP (%s, %s)', (dialect, writer) => {
  let rig: RequestLogRig;
  beforeAll(async () => {
    rig = await requestLogRig(dialect, writers[writer]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('logs each call that names a live app key, let through or refused, with the answer the client got', async () => {
    const { t1 } = await rig.app('Logged App', ['tn.crm.customers:r']);
    const started = Date.now();
    const list = await rig.call(t1, `${customers(T1)}?pageSize=2`);
    const item = await rig.call(t1, `${customers(T1)}/${list.body.data[0].id}`);
    const missing = await rig.call(t1, `${customers(T1)}/999999999`);
    const write = await rig.call(t1, customers(T1), {
      method: 'POST',
      body: { name: 'N', type: 'Residential' },
    });
    const forged = await callApi(rig.url, customers(T1), { token: 'not-a-token', appKey: t1.appKey });
    const otherTenant = await rig.call(t1, customers(T2));
    // Without a live app key a call belongs to no app: it is in nobody's log.
    await callApi(rig.url, customers(T1), { token: t1.token });
    await callApi(rig.url, customers(T1), { token: t1.token, appKey: 'no-such-key' });
    expect([list, item, missing, write, forged, otherTenant].map((answer) => answer.status)).toEqual([
      200, 200, 404, 403, 401, 401,
    ]);

    await rig.flush();
    expect(rig.server.app.runtime.requestLog.onThread).toBe(writer === 'writer thread');
    const { items } = await rig.dev.requests.appLog({ appId: t1.appId, filters: { kind: 'api' } });
    const idOf = (answer: { headers: Headers }) => answer.headers.get('x-request-id');
    const api = { kind: 'api', environment: 'integration', method: 'GET' } as const;
    expect(items.map(seen)).toEqual(
      expect.arrayContaining([
        { ...api, requestId: idOf(list), tenantId: T1, route: CUSTOMERS_ROUTE, status: 200, errorCode: null },
        {
          ...api,
          requestId: idOf(item),
          tenantId: T1,
          route: `${CUSTOMERS_ROUTE}/{id}`,
          status: 200,
          errorCode: null,
        },
        {
          ...api,
          requestId: idOf(missing),
          tenantId: T1,
          route: `${CUSTOMERS_ROUTE}/{id}`,
          status: 404,
          errorCode: 'not_found',
        },
        {
          ...api,
          method: 'POST',
          requestId: idOf(write),
          tenantId: T1,
          route: 'POST /crm/v2/tenant/{tenant}/customers',
          status: 403,
          errorCode: 'insufficient_scope',
        },
        // The token proved no tenant: the line names none, whatever the path said.
        {
          ...api,
          requestId: idOf(forged),
          tenantId: null,
          route: CUSTOMERS_ROUTE,
          status: 401,
          errorCode: 'invalid_token',
        },
        {
          ...api,
          requestId: idOf(otherTenant),
          tenantId: null,
          route: CUSTOMERS_ROUTE,
          status: 401,
          errorCode: 'invalid_token',
        },
      ]),
    );
    expect(items).toHaveLength(6);
    for (const line of items) {
      expect(line.latencyMs).toBeGreaterThan(0);
      expect(line.latencyMs).toBeLessThan(Date.now() - started + 1);
      expect(line.at.getTime()).toBeGreaterThanOrEqual(started - 1);
      expect(line.at.getTime()).toBeLessThanOrEqual(Date.now());
      expect(line.route).not.toMatch(/985798691|100200300|\d{5}/);
    }
  });

  it('logs token requests under the app of the client they named, with the RFC 6749 error of a refusal', async () => {
    const { t1 } = await rig.app('Token App', ['tn.crm.customers:r']);
    const granted = await fetchToken(rig.url, 'integration', t1.clientId, t1.clientSecret);
    const wrongSecret = await fetchToken(rig.url, 'integration', t1.clientId, 'not-the-secret');
    const badScope = await fetchToken(rig.url, 'integration', t1.clientId, t1.clientSecret, {
      scope: 'tn.crm.customers:w',
    });
    const wrongGrant = await fetchToken(rig.url, 'integration', t1.clientId, t1.clientSecret, {
      grant_type: 'password',
    });
    // Credentials that name no client of ours belong to no app.
    const stranger = await fetchToken(rig.url, 'integration', 'no-such-client', 'secret');
    expect([granted, wrongSecret, badScope, wrongGrant, stranger].map((answer) => answer.status)).toEqual([
      200, 401, 400, 400, 401,
    ]);

    await rig.flush();
    const { items } = await rig.dev.requests.appLog({
      appId: t1.appId,
      filters: { kind: 'token', tenantId: T1 },
    });
    const token = {
      kind: 'token',
      tenantId: T1,
      environment: 'integration',
      method: 'POST',
      route: TOKEN_ROUTE,
    };
    const idOf = (answer: { headers: Headers }) => answer.headers.get('x-request-id');
    expect(items.map(seen)).toEqual(
      expect.arrayContaining([
        { ...token, requestId: idOf(granted), status: 200, errorCode: null },
        { ...token, requestId: idOf(badScope), status: 400, errorCode: 'invalid_scope' },
        { ...token, requestId: idOf(wrongGrant), status: 400, errorCode: 'unsupported_grant_type' },
      ]),
    );
    // The rig's own first token of the T1 connection, and the three above whose secret proved the client.
    expect(items).toHaveLength(4);
    // A client id is no secret: a wrong secret is the app's line, never the tenant's.
    expect(items.map((line) => line.requestId)).not.toContain(idOf(wrongSecret));
    const appWide = await rig.dev.requests.appLog({ appId: t1.appId, filters: { kind: 'token' } });
    expect(appWide.items.map(seen)).toContainEqual({
      ...token,
      tenantId: null,
      requestId: idOf(wrongSecret),
      status: 401,
      errorCode: 'invalid_client',
    });
    expect(appWide.items.map((line) => line.requestId)).not.toContain(idOf(stranger));
  });

  it('filters by status class, error code, tenant, environment, endpoint, kind and time, and pages newest first', async () => {
    const { t1, t2 } = await rig.app('Filtered App', ['tn.crm.customers:r']);
    for (let i = 0; i < 3; i++) await rig.call(t1, customers(T1));
    await rig.call(t1, customers(T1), { method: 'POST', body: { name: 'N', type: 'Residential' } });
    await rig.call(t2, customers(T2));
    await rig.call(t2, `${customers(T2)}/42`, { method: 'DELETE' });
    await rig.flush();
    const log = (filters: object = {}, page: { limit?: number; cursor?: string } = {}) =>
      rig.dev.requests.appLog({ appId: t1.appId, filters, ...page });

    const everything = (await log()).items;
    // Two token requests (one per connection) and six calls.
    expect(everything).toHaveLength(8);
    const order = everything.map((line) => [line.at.getTime(), line.id] as const);
    expect(order).toEqual(
      [...order].sort(([at1, id1], [at2, id2]) => (at1 === at2 ? (id1 < id2 ? 1 : -1) : at2 - at1)),
    );

    const statuses = async (filters: object) => (await log(filters)).items.map((line) => line.status).sort();
    expect(await statuses({ statusClass: '4xx' })).toEqual([403, 403]);
    expect(await statuses({ statusClass: '5xx' })).toEqual([]);
    expect(await statuses({ errorCode: 'insufficient_scope' })).toEqual([403, 403]);
    expect(await statuses({ tenantId: T2 })).toEqual([200, 200, 403]);
    expect(await statuses({ tenantId: T2, kind: 'api' })).toEqual([200, 403]);
    expect(await statuses({ environment: 'production' })).toEqual([]);
    expect(await statuses({ endpoint: CUSTOMERS_ROUTE })).toEqual([200, 200, 200, 200]);
    expect(await statuses({ endpoint: 'DELETE /crm/v2/tenant/{tenant}/customers/{id}' })).toEqual([403]);
    expect(await statuses({ endpoint: 'token' })).toEqual([200, 200]);
    expect(await statuses({ kind: 'token', tenantId: T1 })).toEqual([200]);
    const newest = everything[0]!.at;
    const oldest = everything.at(-1)!.at;
    expect(await statuses({ from: new Date(newest.getTime() + 1) })).toEqual([]);
    expect(await statuses({ to: new Date(oldest.getTime() - 1) })).toEqual([]);
    expect((await log({ from: oldest, to: newest })).items).toHaveLength(8);

    // Pages of three, walked to the end: the same lines in the same order, none twice.
    const walked: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await log({}, { limit: 3, ...(cursor ? { cursor } : {}) });
      walked.push(...page.items.map((line) => line.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(walked).toEqual(everything.map((line) => line.id));

    // A cursor goes on only with the list and filters it was made for.
    const first = await log({ statusClass: '2xx' }, { limit: 1 });
    expect(first.nextCursor).not.toBeNull();
    const reused = await rejection(log({}, { limit: 1, cursor: first.nextCursor! }));
    expect(reused.code).toBe('BAD_REQUEST');
  });

  it('shows a tenant admin their own tenant’s calls only, and the app’s log only to its organization', async () => {
    const { t1, t2 } = await rig.app('Shared App', ['tn.crm.customers:r']);
    await rig.call(t1, customers(T1));
    await rig.call(t2, customers(T2));
    await rig.call(t2, customers(T2));
    await rig.flush();

    const mine = await rig.admin.requests.connectionLog({ connectionId: t1.connectionId, filters: {} });
    expect(mine.items.map((line) => [line.tenantId, line.environment])).toEqual([
      [T1, 'integration'],
      [T1, 'integration'],
    ]);
    // A Tenant ID or environment in the filters does not widen the view.
    const widened = await rig.admin.requests.connectionLog({
      connectionId: t1.connectionId,
      filters: { tenantId: T2, environment: 'production' },
    });
    expect(widened.items.map((line) => line.id)).toEqual(mine.items.map((line) => line.id));
    const theirs = await rig.admin2.requests.connectionLog({ connectionId: t2.connectionId, filters: {} });
    expect(theirs.items.map((line) => line.tenantId)).toEqual([T2, T2, T2]);

    // Another tenant's connection, a foreign organization's app, no session.
    const refusals = [
      () => rig.admin2.requests.connectionLog({ connectionId: t1.connectionId, filters: {} }),
      () => rig.admin2.requests.connectionLatency({ connectionId: t1.connectionId }),
      () => rig.admin2.requests.connectionScopeUse({ connectionId: t1.connectionId }),
      () => rig.admin.requests.connectionLog({ connectionId: 'not-an-id', filters: {} }),
      () => rig.dev2.requests.appLog({ appId: t1.appId, filters: {} }),
      () => rig.dev2.requests.appLatency({ appId: t1.appId }),
      () => rig.dev2.requests.appScopeUse({ appId: t1.appId }),
    ];
    for (const refused of refusals) expect((await rejection(refused())).code).toBe('NOT_FOUND');
    expect((await rejection(rig.admin.requests.appLog({ appId: t1.appId, filters: {} }))).code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await rejection(rig.dev.requests.connectionLog({ connectionId: t1.connectionId, filters: {} }))).code,
    ).toBe('FORBIDDEN');
    const anonymous = rig.t.anonymous();
    expect((await rejection(anonymous.requests.appLog({ appId: t1.appId, filters: {} }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect(
      (await rejection(anonymous.requests.connectionLog({ connectionId: t1.connectionId, filters: {} })))
        .code,
    ).toBe('UNAUTHORIZED');
  });
});
