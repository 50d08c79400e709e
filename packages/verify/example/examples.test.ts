import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Gatehouse, OTHER_TENANT, type Party, startGatehouse, TENANT } from '../test/gatehouse';
import { expressServer } from './express-server';
import { resourceServer } from './resource-server';

const READ = 'tn.crm.customers:r';
const WRITE = 'tn.crm.customers:w';

interface Running {
  url: string;
  close(): Promise<void>;
}

const examples: { name: string; start(issuer: string): Promise<Running> }[] = [
  {
    name: 'Fastify',
    async start(issuer) {
      const app = await resourceServer(issuer);
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    },
  },
  {
    name: 'Express',
    async start(issuer) {
      const server = expressServer(issuer).listen(0, '127.0.0.1');
      await once(server, 'listening');
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
          server.closeAllConnections();
          server.close();
          await once(server, 'close');
        },
      };
    },
  },
];

let gatehouse: Gatehouse;
/** One app that may read customers, connected on two tenants; another that may read and write them. */
let reader: Party;
let readerElsewhere: Party;
let writer: Party;

beforeAll(async () => {
  gatehouse = await startGatehouse();
  [reader, readerElsewhere] = (await gatehouse.connect([READ], [TENANT, OTHER_TENANT])) as [Party, Party];
  [writer] = (await gatehouse.connect([READ, WRITE])) as [Party];
});
afterAll(() => gatehouse?.close());

/** Polls `call` until it answers `status`; how long that took (ms), or Infinity after three seconds. */
async function timeUntil(status: number, call: () => Promise<Response>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < 3000) {
    if ((await call()).status === status) return Date.now() - start;
    await sleep(20);
  }
  return Number.POSITIVE_INFINITY;
}

describe.each(examples)('the $name example against a running Gatehouse', ({ start }) => {
  let api: Running;
  beforeAll(async () => {
    api = await start(gatehouse.issuer);
  });
  afterAll(() => api?.close());

  const call = (
    credentials: { token?: string; appKey?: string },
    options: { tenant?: string; method?: string; body?: unknown } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
    if (credentials.appKey) headers['st-app-key'] = credentials.appKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${api.url}/crm/v2/tenant/${options.tenant ?? TENANT}/customers`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  };

  it('lets an app in with its key and token, and tells the handler who is calling', async () => {
    const token = await gatehouse.token(reader);
    const response = await call({ token, appKey: reader.appKey });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { caller: unknown; data: unknown[] };
    expect(body.caller).toEqual({
      appId: reader.appId,
      tenant: TENANT,
      environment: 'integration',
      clientId: reader.clientId,
      connectionId: reader.connectionId,
      scopes: [READ],
      tokenId: decodeJwt(token).jti,
    });
    expect(body.data).toHaveLength(1);
  });

  it('lets an app with the write scope POST', async () => {
    const token = await gatehouse.token(writer);
    const response = await call(
      { token, appKey: writer.appKey },
      { method: 'POST', body: { name: 'Summit HVAC' } },
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      caller: { appId: writer.appId, scopes: [READ, WRITE] },
      created: { name: 'Summit HVAC' },
    });
  });

  it('refuses a call without an app key, or without a token, with 401 and a Bearer challenge', async () => {
    const token = await gatehouse.token(reader);
    const noKey = await call({ token });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
    expect(await noKey.json()).toEqual({
      error: 'invalid_app_key',
      error_description: 'The ST-App-Key header is required.',
    });
    const noToken = await call({ appKey: reader.appKey });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ error: 'invalid_token' });
  });

  it("refuses a token with another app's key", async () => {
    const response = await call({ token: await gatehouse.token(reader), appKey: writer.appKey });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="gatehouse", error="invalid_token"/,
    );
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it("refuses a token for another tenant than the route's", async () => {
    const token = await gatehouse.token(readerElsewhere);
    const response = await call({ token, appKey: reader.appKey });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is for another tenant.',
    });
    // The same token on its own tenant's route goes through.
    expect((await call({ token, appKey: reader.appKey }, { tenant: OTHER_TENANT })).status).toBe(200);
  });

  it('refuses a call whose scope the tenant did not grant with 403 insufficient_scope', async () => {
    const response = await call(
      { token: await gatehouse.token(reader), appKey: reader.appKey },
      { method: 'POST', body: { name: 'Nope' } },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="gatehouse", error="insufficient_scope", scope="${WRITE}"`,
    );
    expect(await response.json()).toEqual({
      error: 'insufficient_scope',
      error_description: `This call needs the scope ${WRITE}.`,
      scope: WRITE,
    });
  });

  it('refuses within a second once the tenant admin disables the connection, and lets it in once restored', async () => {
    const [party] = (await gatehouse.connect([READ])) as [Party];
    const token = await gatehouse.token(party);
    const asParty = () => call({ token, appKey: party.appKey });
    expect((await asParty()).status).toBe(200);
    await gatehouse.admin(TENANT).connections.disable({ connectionId: party.connectionId });
    expect(await timeUntil(401, asParty)).toBeLessThan(1000);
    await gatehouse.admin(TENANT).connections.restore({ connectionId: party.connectionId });
    expect(await timeUntil(200, asParty)).toBeLessThan(1000);
  });

  it('refuses within a second once the client revokes the token; its other tokens go on', async () => {
    const [party] = (await gatehouse.connect([READ])) as [Party];
    const [revoked, kept] = [await gatehouse.token(party), await gatehouse.token(party)];
    expect((await call({ token: revoked, appKey: party.appKey })).status).toBe(200);
    await gatehouse.revoke(party, revoked);
    expect(await timeUntil(401, () => call({ token: revoked, appKey: party.appKey }))).toBeLessThan(1000);
    expect((await call({ token: kept, appKey: party.appKey })).status).toBe(200);
  });
});

describe('the examples and Gatehouse over time', () => {
  it('fetch the key set once for many calls, and ask once for concurrent calls with the same credentials', async () => {
    const fetches = vi.spyOn(globalThis, 'fetch');
    const asked = (path: string) =>
      fetches.mock.calls.filter(([input]) => String(input).endsWith(path)).length;
    try {
      for (const { start } of examples) {
        fetches.mockClear();
        const api = await start(gatehouse.issuer);
        try {
          const token = await gatehouse.token(reader);
          const get = () =>
            fetch(`${api.url}/crm/v2/tenant/${TENANT}/customers`, {
              headers: { authorization: `Bearer ${token}`, 'st-app-key': reader.appKey },
            });
          const together = await Promise.all(Array.from({ length: 20 }, get));
          expect(together.map((response) => response.status)).toEqual(Array(20).fill(200));
          expect(asked('/connect/token-status')).toBe(1);
          for (let i = 0; i < 30; i++) expect((await get()).status).toBe(200);
          expect(asked('/.well-known/jwks.json')).toBe(1);
        } finally {
          await api.close();
        }
      }
    } finally {
      fetches.mockRestore();
    }
  });

  it('refuse calls with 503 while Gatehouse cannot be reached', async () => {
    const token = await gatehouse.token(reader);
    for (const { start } of examples) {
      const api = await start('http://127.0.0.1:9/integration');
      try {
        const response = await fetch(`${api.url}/crm/v2/tenant/${TENANT}/customers`, {
          headers: { authorization: `Bearer ${token}`, 'st-app-key': reader.appKey },
        });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
      } finally {
        await api.close();
      }
    }
  });
});
