import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { connectApp, fetchToken, listen } from '#test/http-client';
import { gatewayFileSchema, resolveGateway } from './config';

const T1 = '985798691';
const T2 = '100200300';

interface Arrival {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * The platform's own service, as a real HTTP server that records every call reaching it; `…/cookie`
 * answers with a cookie and CORS headers too.
 */
async function startUpstream() {
  const arrivals: Arrival[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      arrivals.push({ method, url, headers });
      if (url.endsWith('/cookie')) {
        response.setHeader('set-cookie', ['gatehouse_session=attacker; Path=/; HttpOnly', 'other=1']);
        response.setHeader('access-control-allow-origin', 'https://evil.example');
        response.setHeader('access-control-allow-credentials', 'true');
        response.setHeader('x-upstream', 'yes');
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ upstream: 'ok', method, url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    arrivals,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One call with exactly this path on the wire (fetch would resolve `..` before sending). */
function raw(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}/`, { method: options.method ?? 'GET', headers: options.headers });
    request.path = path;
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: any = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {}
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
    });
    request.end();
  });
}

describe.each(dialects)('gateway paths and headers on %s', (dialect) => {
  let t: TestDatabase;
  let crm: Awaited<ReturnType<typeof startUpstream>>;
  let server: Awaited<ReturnType<typeof listen>>;
  let credentials: Record<string, string>;

  const crmPath = (rest: string, tenant = T1) => `/integration/api/crm/v2/tenant/${tenant}/${rest}`;

  /** A call that must be refused as naming nothing, the upstream never hearing of it. */
  async function refused(path: string, options: Parameters<typeof raw>[2] = {}) {
    const before = crm.arrivals.length;
    const answer = await raw(server.url, path, {
      ...options,
      headers: { ...credentials, ...options.headers },
    });
    expect({ path, status: answer.status, error: answer.body?.error }).toEqual({
      path,
      status: 404,
      error: 'not_found',
    });
    expect(crm.arrivals.slice(before), 'the upstream heard of a refused call').toEqual([]);
  }

  /** A call that must reach the upstream: what arrived there. */
  async function passed(path: string, options: Parameters<typeof raw>[2] = {}) {
    const before = crm.arrivals.length;
    const answer = await raw(server.url, path, {
      ...options,
      headers: { ...credentials, ...options.headers },
    });
    expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    expect(crm.arrivals.length).toBe(before + 1);
    return { answer, arrival: crm.arrivals.at(-1)! };
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    crm = await startUpstream();
    const gateway = resolveGateway(
      gatewayFileSchema.parse({
        upstreams: { crm: crm.url },
        // A deny list before a `**` allow rule: the case the reviewer got past.
        routes: [
          { path: '/crm/v2/tenant/{tenant}/bookings/**', scope: 'deny' },
          { method: 'GET', path: '/crm/v2/tenant/{tenant}/**', scope: 'tn.crm.customers:r' },
        ],
      }),
    );
    server = await listen(t, { gateway, failureLimit: { calls: 100_000, windowMs: 1000 } });
    const [dev, admin] = await Promise.all([t.as(DEV), t.as(ADMIN)]);
    const { parties } = await connectApp(
      dev,
      () => admin,
      { name: 'Gateway paths caller', tenantIds: [T1], scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'] },
      [{ tenant: T1, env: 'integration' }],
    );
    const p = parties[0]!;
    const { body } = await fetchToken(server.url, 'integration', p.clientId, p.clientSecret);
    credentials = { authorization: `Bearer ${body.access_token}`, 'st-app-key': p.appKey };
  });
  afterAll(async () => {
    await server?.close();
    await crm?.close();
    await t?.close();
  });

  it('takes a fine path to the upstream as it came, `**` rule included', async () => {
    expect((await passed(crmPath('customers/1'))).arrival.url).toBe(`/crm/v2/tenant/${T1}/customers/1`);
    expect((await passed(crmPath('leads/1'))).arrival.url).toBe(`/crm/v2/tenant/${T1}/leads/1`);
  });

  it("refuses `..;` segments that Java servers read as `..`, which would climb to another tenant's data", async () => {
    await refused(crmPath(`customers/1/..;/..;/..;/${T2}/customers`));
    await refused(crmPath(`customers/1/..%3B/..%3B/..%3B/${T2}/customers`));
    await refused(crmPath('customers/1;jsessionid=x'));
  });

  it('refuses a path past a deny rule, whatever its case or path parameters', async () => {
    // `bookings/**` covers the collection itself too.
    await refused(crmPath('bookings'));
    await refused(crmPath('bookings/7'));
    await refused(crmPath('Bookings/7'));
    await refused(crmPath('BOOKINGS/7'));
    await refused(crmPath('bookings;x=1/7'));
    await refused(crmPath('bookings%3bx=1/7'));
    await refused(crmPath('bookingſ/7'.replace('ſ', '%C5%BF')));
  });

  it("keeps the catalog's default exact: a resource in another case names nothing", async () => {
    await refused(crmPath('Customers/1'), { method: 'POST' });
    await refused(crmPath('CUSTOMERS'), { method: 'DELETE' });
    const before = crm.arrivals.length;
    const answer = await raw(server.url, crmPath('customers/1'), { method: 'POST', headers: credentials });
    expect(answer.status).toBe(200);
    expect(crm.arrivals.length).toBe(before + 1);
  });

  it('refuses a query naming `_method`, which frameworks take as the real method', async () => {
    await refused(`${crmPath('customers/1')}?_method=DELETE`);
    await refused(`${crmPath('customers/1')}?x=1&_METHOD=delete`, { method: 'POST' });
    await refused(`${crmPath('customers/1')}?%5Fmethod=PUT`);
    expect((await passed(`${crmPath('customers/1')}?method=x`)).arrival.url).toBe(
      `/crm/v2/tenant/${T1}/customers/1?method=x`,
    );
  });

  it('drops the headers that would change the method or path the upstream sees', async () => {
    const { arrival } = await passed(crmPath('customers/1'), {
      headers: {
        'x-http-method-override': 'DELETE',
        'x-http-method': 'DELETE',
        'x-method-override': 'DELETE',
        'x-original-url': `/crm/v2/tenant/${T2}/customers`,
        'x-rewrite-url': `/crm/v2/tenant/${T2}/customers`,
      },
    });
    expect(arrival.method).toBe('GET');
    for (const name of [
      'x-http-method-override',
      'x-http-method',
      'x-method-override',
      'x-original-url',
      'x-rewrite-url',
    ])
      expect(arrival.headers[name], `${name} was forwarded`).toBeUndefined();
  });

  it("drops headers an upstream could read as Gatehouse's, or as the client's address", async () => {
    const spoofed = {
      gatehouse_tenant: T2,
      gatehouse_app_id: 'app_spoofed',
      st_app_key: 'ak_spoofed',
      x_forwarded_for: '6.6.6.6',
      'x-real-ip': '6.6.6.6',
      'true-client-ip': '6.6.6.6',
      'x-client-ip': '6.6.6.6',
      'cf-connecting-ip': '6.6.6.6',
    };
    const { arrival } = await passed(crmPath('customers/1'), { headers: spoofed });
    for (const name of Object.keys(spoofed))
      expect(arrival.headers[name], `${name} was forwarded`).toBeUndefined();
    expect(Object.keys(arrival.headers).filter((name) => name.includes('_'))).toEqual([]);
    expect(arrival.headers).toMatchObject({ 'gatehouse-tenant': T1, 'x-forwarded-for': '127.0.0.1' });
  });

  it("keeps the upstream's cookies and CORS headers off Gatehouse's origin", async () => {
    const { answer } = await passed(crmPath('customers/cookie'));
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(answer.headers['x-upstream']).toBe('yes');
    expect(answer.body).toMatchObject({ upstream: 'ok' });
  });
});
