import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  credentials,
  crmPath,
  type GatewayRig,
  gatewayRig,
  partyCallers,
  partyFactory,
  type RecordingUpstream,
  recordingUpstream,
  T1,
  T2,
} from '#test/gateway';
import { dialects, type TestDatabase } from '#test/harness';
import type { listen } from '#test/http-client';

/** The platform's own service, its `…/cookie` answering with a cookie and CORS headers too. */
function startUpstream() {
  return recordingUpstream({
    answer: (request, reply) => {
      if (!request.url.endsWith('/cookie')) return;
      reply
        .header('set-cookie', ['gatehouse_session=attacker; Path=/; HttpOnly', 'other=1'])
        .header('access-control-allow-origin', 'https://evil.example')
        .header('access-control-allow-credentials', 'true');
    },
  });
}

describe.each(dialects)('gateway paths and headers on %s', (dialect) => {
  let t: TestDatabase;
  let crm: RecordingUpstream;
  let server: Awaited<ReturnType<typeof listen>>;
  /** The headers of the one app's calls. */
  let signed: Record<string, string>;

  /** A call that must be refused as naming nothing, the upstream never hearing of it. */
  async function refused(path: string, options: Parameters<typeof call>[2] = {}) {
    const before = crm.arrivals.length;
    const answer = await call(server.url, path, {
      ...options,
      headers: { ...signed, ...options.headers },
    });
    expect({ path, status: answer.status, error: answer.body?.error }).toEqual({
      path,
      status: 404,
      error: 'not_found',
    });
    expect(crm.arrivals.slice(before), 'the upstream heard of a refused call').toEqual([]);
  }

  /** A call that must reach the upstream: what arrived there. */
  async function passed(path: string, options: Parameters<typeof call>[2] = {}) {
    const before = crm.arrivals.length;
    const answer = await call(server.url, path, {
      ...options,
      headers: { ...signed, ...options.headers },
    });
    expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    expect(crm.arrivals.length).toBe(before + 1);
    return { answer, arrival: crm.arrivals.at(-1)! };
  }

  let rig: GatewayRig;
  beforeAll(async () => {
    rig = await gatewayRig(
      dialect,
      startUpstream,
      (crmUrl) => ({
        upstreams: { crm: crmUrl },
        // A deny list before a `**` allow rule: the case the reviewer got past.
        routes: [
          { path: '/crm/v2/tenant/{tenant}/bookings/**', scope: 'deny' },
          { method: 'GET', path: '/crm/v2/tenant/{tenant}/**', scope: 'tn.crm.customers:r' },
        ],
      }),
      { failureLimit: { calls: 100_000, windowMs: 1000 } },
    );
    ({ t, crm, server } = rig);
    const party = partyFactory(server.url, await partyCallers(t), 'Gateway paths caller');
    const [p] = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
    signed = credentials(p);
  });
  afterAll(() => rig?.close());

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
    const answer = await call(server.url, crmPath('customers/1'), { method: 'POST', headers: signed });
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
