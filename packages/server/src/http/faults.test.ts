import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, ADMIN2, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, callApi, connectApp, fetchToken } from '#test/http-client';
import { startTcpProxy, type TcpProxy } from '#test/tcp-proxy';
import { UsageDaily } from '../db/entities';
import { type Database, openDatabase } from '../db/orm';
import { UNAVAILABLE_MESSAGE } from '../errors';
import { buildServer } from './server';

const T1 = '985798691';
const T2 = '100200300';
const list = (tenant: string) => `/integration/api/crm/v2/tenant/${tenant}/customers?pageSize=1`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A portal query as the SPA makes it, with the answer's status, Retry-After and body. */
async function portalQuery(url: string, cookie: string, path: string) {
  const response = await fetch(
    `${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`,
    {
      headers: { 'x-gatehouse-csrf': '1', cookie },
    },
  );
  const body = (await response.json()) as { error?: { json: { message: string; data: { code: string } } } };
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    message: body.error?.json.message,
    code: body.error?.json.data.code,
  };
}

/**
 * PostgreSQL going away under a running server (a proxy in front of it is cut, as a restart does), then
 * coming back: no restart of the server in between.
 */
describe.runIf(dialects.includes('postgresql'))('a server whose PostgreSQL goes away and comes back', () => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let db: Database;
  let app: FastifyInstance;
  let url: string;
  let cookie: string;
  let seen: ConnectedParty;
  let unseen: ConnectedParty;
  let token: string;

  beforeAll(async () => {
    // Set up directly; the server reaches the same database only through the proxy.
    t = await openTestDatabase('postgresql');
    const direct = new URL(t.db.orm.config.get('clientUrl')!);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(direct);
    proxied.port = String(proxy.port);
    db = await openDatabase(proxied.toString());
    app = await buildServer({ db, logLevel: 'silent', usageFlushMs: 0 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
    const { parties } = await connectApp(
      dev,
      (tenant) => (tenant === T1 ? admin : admin2),
      { name: 'Outage Survivor', tenantIds: [T1, T2], scopes: ['tn.crm.customers:r'] },
      [
        { tenant: T1, env: 'integration' },
        { tenant: T2, env: 'integration' },
      ],
    );
    [seen, unseen] = parties as [ConnectedParty, ConnectedParty];
    // The connections were made beside the server, as another instance would: its feed delivers their
    // events within a second, and each drops what it touched. Read them now, so that what the server
    // caches next stays cached.
    await db.feed.catchUp();
    // The server has seen one client get a token and use it; the other client never came.
    const granted = await fetchToken(url, 'integration', seen.clientId, seen.clientSecret);
    expect(granted.status).toBe(200);
    token = granted.body.access_token;
    expect((await callApi(url, list(T1), { token, appKey: seen.appKey })).status).toBe(200);

    const signIn = await fetch(`${url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'x-gatehouse-csrf': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: DEV, password: 'gatehouse-demo' } }),
    });
    expect(signIn.status).toBe(200);
    cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect((await portalQuery(url, cookie, 'apps.list')).status).toBe(200);
    await app.runtime.usage.flush();
  });

  afterAll(async () => {
    await proxy?.restore();
    await app?.close();
    await db?.close();
    await proxy?.close();
    await t?.close();
  });

  it('answers 503 with Retry-After for what needs the database, serves what it knows from memory, loses no counted call, and recovers by itself', async () => {
    await proxy.cut();

    // The portals: a clear 503, not a 500.
    expect(await portalQuery(url, cookie, 'apps.list')).toEqual({
      status: 503,
      retryAfter: '5',
      message: UNAVAILABLE_MESSAGE,
      code: 'SERVICE_UNAVAILABLE',
    });

    // The token endpoint: a client never seen cannot be checked.
    const refused = await fetchToken(url, 'integration', unseen.clientId, unseen.clientSecret);
    expect({
      status: refused.status,
      retryAfter: refused.headers.get('retry-after'),
      cacheControl: refused.headers.get('cache-control'),
      body: refused.body,
    }).toEqual({
      status: 503,
      retryAfter: '5',
      cacheControl: 'no-store',
      body: { error: 'temporarily_unavailable', error_description: UNAVAILABLE_MESSAGE },
    });
    // …while a client it knows still gets its tokens, and they work.
    const fresh = await fetchToken(url, 'integration', seen.clientId, seen.clientSecret);
    expect(fresh.status).toBe(200);

    // The gate: a known token and key are served from memory, again and again.
    for (const bearer of [token, fresh.body.access_token, token])
      expect((await callApi(url, list(T1), { token: bearer, appKey: seen.appKey })).status).toBe(200);
    // An app key it never saw needs the database: 503, never a 200 and never a 500.
    const unknownKey = await callApi(url, list(T1), { token, appKey: 'ghk_notseenbythisserver000000000' });
    expect({ status: unknownKey.status, retryAfter: unknownKey.headers.get('retry-after') }).toEqual({
      status: 503,
      retryAfter: '5',
    });
    expect(unknownKey.body.error).toBe('temporarily_unavailable');

    // Counted calls wait for the database rather than being lost with a failed write.
    await expect(app.runtime.usage.flush()).rejects.toThrow();

    await proxy.restore();
    // Back without a restart: the pool reconnects on the next request.
    const deadline = Date.now() + 10_000;
    while ((await portalQuery(url, cookie, 'apps.list')).status !== 200) {
      expect(Date.now(), 'the portal answers again within 10 s').toBeLessThan(deadline);
      await sleep(100);
    }
    const late = await fetchToken(url, 'integration', unseen.clientId, unseen.clientSecret);
    expect(late.status).toBe(200);
    expect(
      (await callApi(url, list(T2), { token: late.body.access_token, appKey: unseen.appKey })).status,
    ).toBe(200);
    const stranger = await callApi(url, list(T1), { token, appKey: 'ghk_notseenbythisserver000000000' });
    expect(stranger.status).toBe(401);

    await app.runtime.usage.flush();
    const rows = await t.db.em().find(UsageDaily, { appId: seen.appId, tenantId: T1 });
    // One call before the outage, three during it.
    expect(rows.map((row) => `${row.outcome} ${row.calls}`)).toEqual(['2xx 4']);
  });
});
