import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIssuer, fakeIssuer } from '../test/fake-issuer';
import { type ConnectRequest, gatehouseMiddleware } from './express';

describe('gatehouseMiddleware on a plain Node server (Connect style)', () => {
  let issuer: FakeIssuer;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    issuer = await fakeIssuer();
    // No Express: the tenant comes from the path through `tenantOf`, the answer from Node's response.
    const { requireScope } = gatehouseMiddleware({
      issuer: issuer.issuer,
      tenantOf: (req) => /^\/tenant\/(\d+)\//.exec(req.url ?? '')?.[1],
    });
    const guard = requireScope('tn.crm.customers:r');
    const server = createServer((req: ConnectRequest, res) =>
      guard(req, res, (error) => {
        res.statusCode = error ? 500 : 200;
        res.end(JSON.stringify({ caller: req.gatehouse ?? null }));
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    };
  });
  afterAll(async () => {
    await close?.();
    await issuer?.close();
  });

  const get = (path: string, headers: Record<string, string>) => fetch(`${url}${path}`, { headers });

  it('calls next with req.gatehouse set for a good call', async () => {
    const token = await issuer.sign();
    const response = await get('/tenant/985798691/customers', {
      authorization: `Bearer ${token}`,
      'st-app-key': 'key-1',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ caller: { appId: 'app-1', tenant: '985798691' } });
  });

  it('answers a refusal itself, in JSON with its challenge, and never calls next', async () => {
    const token = await issuer.sign();
    const response = await get('/tenant/100200300/customers', {
      authorization: `Bearer ${token}`,
      'st-app-key': 'key-1',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is for another tenant.',
    });
    const noKey = await get('/tenant/985798691/customers', { authorization: `Bearer ${token}` });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: 'invalid_app_key' });
  });
});
