import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIG,
  call,
  credentials,
  crmPath,
  gatewayConfig,
  type Party,
  partyCallers,
  partyFactory,
  type RecordingUpstream,
  recordingUpstream,
  T1,
  T2,
  usageLines,
} from '#test/gateway';
import { type Caller, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { listen } from '#test/http-client';

/** The platform's own service: it answers a POST with 201, as a create would. */
const startUpstream = (port?: number) => recordingUpstream({ port, postStatus: 201 });

describe.each(dialects)('gateway mode on %s', (dialect) => {
  let t: TestDatabase;
  let crm: RecordingUpstream;
  let jpm: RecordingUpstream;
  let server: Awaited<ReturnType<typeof listen>>;
  /** An app connected in T1 (and wherever else asked) with a token for each connection. */
  let party: ReturnType<typeof partyFactory>;
  let admin: Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [crm, jpm] = await Promise.all([startUpstream(), startUpstream()]);
    const gateway = gatewayConfig({
      upstreams: {
        crm: { url: `${crm.url}/base/`, timeoutMs: 1000, breaker: { failures: 1000 } },
        jpm: { url: jpm.url, breaker: { failures: 1, cooldownMs: 300 } },
      },
      routes: [
        { method: 'POST', path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
        { path: '/crm/v2/tenant/{tenant}/bookings/**', scope: 'deny' },
      ],
    });
    // The refusal tables fail authentication dozens of times a second from one address.
    server = await listen(t, { gateway, failureLimit: { calls: 100_000, windowMs: 1000 } });
    const callers = await partyCallers(t);
    admin = callers.admin;
    party = partyFactory(server.url, callers);
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([crm?.close(), jpm?.close()]);
    await t?.close();
  });

  describe('the gate refuses before the upstream hears of the call', () => {
    let a: { token: string; appKey: string };
    let aInT2: { token: string; appKey: string };
    let readOnly: { token: string; appKey: string };

    beforeAll(async () => {
      const [inT1, inT2] = await party(
        ['tn.crm.customers:r', 'tn.crm.bookings:r'],
        [{ tenant: T2, env: 'integration' }],
      );
      a = inT1;
      aInT2 = inT2!;
      [readOnly] = await party(['tn.crm.customers:r']);
    });

    type Row = {
      name: string;
      path: () => string;
      method?: string;
      headers: () => Record<string, string>;
      status: number;
      error: string;
      challenge?: string;
    };
    const rows: Row[] = [
      {
        name: 'no app key',
        path: () => crmPath('customers'),
        headers: () => ({ authorization: `Bearer ${a.token}` }),
        status: 401,
        error: 'invalid_app_key',
      },
      {
        name: 'an unknown app key',
        path: () => crmPath('customers'),
        headers: () => ({ ...credentials(a), 'st-app-key': 'st_not_a_key' }),
        status: 401,
        error: 'invalid_app_key',
      },
      {
        name: 'no token',
        path: () => crmPath('customers'),
        headers: () => ({ 'st-app-key': a.appKey }),
        status: 401,
        error: 'invalid_token',
        challenge: 'Bearer realm="gatehouse"',
      },
      {
        name: 'a bad token',
        path: () => crmPath('customers'),
        headers: () => ({ ...credentials(a), authorization: 'Bearer not.a.token' }),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: "another tenant's token",
        path: () => crmPath('customers'),
        headers: () => credentials(aInT2),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a write without the write scope',
        path: () => crmPath('customers'),
        method: 'POST',
        headers: () => credentials(readOnly),
        status: 403,
        error: 'insufficient_scope',
        challenge: 'Bearer realm="gatehouse", error="insufficient_scope", scope="tn.crm.customers:w"',
      },
      {
        name: 'a path no catalog resource or rule names (default deny)',
        path: () => crmPath('secrets'),
        headers: () => credentials(a),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'another API version (default deny)',
        path: () => `/integration/api/crm/v1/tenant/${T1}/customers`,
        headers: () => credentials(a),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'a deny rule, whatever the token holds',
        path: () => crmPath('bookings/7'),
        headers: () => credentials(a),
        status: 404,
        error: 'not_found',
      },
      // Each would otherwise pass as a customer record (`customers/{id}`) and reach the upstream as is.
      ...[
        'customers/1/../../secrets',
        'customers/./1',
        'customers/1/%2e%2e/%2E%2E/secrets',
        'customers/%2E',
        'customers/1%2F..%2F..%2Fsecrets',
        'customers/1%2f2',
        'customers/1%5C..%5Csecrets',
        'customers/1\\..\\secrets',
        'customers/1%00',
        'customers//1',
        'customers/',
      ].map(
        (rest): Row => ({
          name: `the path …/${rest}`,
          path: () => crmPath(rest),
          headers: () => credentials(a),
          status: 404,
          error: 'not_found',
        }),
      ),
    ];

    it.each(rows)('$name: $status $error', async (row) => {
      const before = crm.arrivals.length;
      const answer = await call(server.url, row.path(), { method: row.method, headers: row.headers() });
      expect({ status: answer.status, error: answer.body?.error }).toEqual({
        status: row.status,
        error: row.error,
      });
      if (row.challenge) expect(answer.headers['www-authenticate']).toBe(row.challenge);
      expect(crm.arrivals.length, 'the upstream heard of a refused call').toBe(before);
    });

    it('the same token goes through on a path that is fine', async () => {
      const before = crm.arrivals.length;
      expect((await call(server.url, crmPath('customers/1'), { headers: credentials(a) })).status).toBe(200);
      expect(crm.arrivals.length).toBe(before + 1);
    });

    it('over the rate limit: 429 with Retry-After, and only the allowed calls reach the upstream', async () => {
      const [burst] = await party(['tn.crm.customers:r']);
      const before = crm.arrivals.length;
      let statuses: number[] = [];
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      // Sent at once, 80 calls land in one second; a machine slow enough to spread them gets another try.
      for (let round = 0; round < 3 && !refused; round++) {
        const answers = await Promise.all(
          Array.from({ length: 80 }, () =>
            call(server.url, crmPath('customers'), { headers: credentials(burst) }),
          ),
        );
        statuses = statuses.concat(answers.map((answer) => answer.status));
        // Calls beyond the app's share of the connections in flight are refused with 429 too: this is the quota's.
        refused = answers.find(
          (answer) =>
            answer.status === 429 && !/^Too many calls in flight/.test(answer.body?.error_description ?? ''),
        );
      }
      expect(refused?.body).toMatchObject({ error: 'rate_limited' });
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused?.headers['x-ratelimit-remaining']).toBe('0');
      expect(crm.arrivals.length - before).toBe(statuses.filter((status) => status === 200).length);
    });

    it('a disabled connection is refused and never reaches the upstream', async () => {
      const [p] = await party(['tn.crm.customers:r']);
      expect((await call(server.url, crmPath('customers'), { headers: credentials(p) })).status).toBe(200);
      await admin.connections.disable({ connectionId: p.connectionId });
      let answer = await call(server.url, crmPath('customers'), { headers: credentials(p) });
      for (let i = 0; i < 40 && answer.status === 200; i++) {
        await sleep(50);
        answer = await call(server.url, crmPath('customers'), { headers: credentials(p) });
      }
      const before = crm.arrivals.length;
      const again = await call(server.url, crmPath('customers'), { headers: credentials(p) });
      expect([answer.status, again.status, again.body.error]).toEqual([401, 401, 'invalid_token']);
      expect(crm.arrivals.length).toBe(before);
    });
  });

  describe('an allowed call goes to the upstream', () => {
    const SCOPES = ['tn.crm.customers:r', 'tn.crm.customers:w', 'tn.crm.leads:r', 'tn.jpm.jobs:r'];
    const GRANTED = [...SCOPES, 'tn.settings.employees:r'];
    let p: Party;

    beforeAll(async () => {
      [p] = await party(GRANTED);
    });

    it('with who is calling in headers the client cannot set, and a signed assertion that verifies', async () => {
      const before = crm.arrivals.length;
      const answer = await call(server.url, `${crmPath('customers/42')}?x=1&y=%20z`, {
        headers: {
          ...credentials(p),
          cookie: 'gatehouse_session=stolen',
          'gatehouse-tenant': T2,
          'gatehouse-assertion': 'forged',
          'x-forwarded-for': '6.6.6.6',
          forwarded: 'for=6.6.6.6',
          'x-client-note': 'kept',
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        upstream: 'ok',
        url: `/base/crm/v2/tenant/${T1}/customers/42?x=1&y=%20z`,
      });
      expect(answer.headers['x-upstream']).toBe('yes');
      // The quota is Gatehouse's, not whatever the upstream says.
      expect(answer.headers['x-ratelimit-limit']).toBe('60');
      expect(crm.arrivals.length).toBe(before + 1);
      const { headers } = crm.arrivals.at(-1)!;
      const host = new URL(server.url).host;
      expect(headers).toMatchObject({
        'gatehouse-app-id': p.appId,
        'gatehouse-tenant': T1,
        'gatehouse-environment': 'integration',
        'gatehouse-client-id': p.clientId,
        'gatehouse-request-id': answer.headers['x-request-id'],
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': host,
        'x-client-note': 'kept',
        host: new URL(crm.url).host,
      });
      expect(new Set((headers['gatehouse-scopes'] as string).split(' '))).toEqual(new Set(GRANTED));
      for (const name of ['authorization', 'st-app-key', 'cookie', 'forwarded'])
        expect(headers[name], `${name} was forwarded`).toBeUndefined();

      const jwks = createRemoteJWKSet(new URL(`${server.url}/integration/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(headers['gatehouse-assertion'] as string, jwks, {
        issuer: `${server.url}/integration`,
        audience: `${crm.url}/base`,
        typ: 'gatehouse-assertion+jwt',
        algorithms: ['ES256'],
      });
      expect(protectedHeader.kid).toBeTruthy();
      expect(payload).toMatchObject({
        sub: p.appId,
        app_id: p.appId,
        tenant: T1,
        env: 'integration',
        client_id: p.clientId,
        cid: p.connectionId,
        request_id: answer.headers['x-request-id'],
        htm: 'GET',
        htu: `/base/crm/v2/tenant/${T1}/customers/42?x=1&y=%20z`,
        jti: expect.any(String),
      });
      expect(new Set((payload.scope as string).split(' '))).toEqual(new Set(GRANTED));
      expect(payload.exp! - payload.iat!).toBe(60);
      expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(30);
      // An assertion is good for one upstream: another one's audience refuses it.
      await expect(
        jwtVerify(headers['gatehouse-assertion'] as string, jwks, { audience: jpm.url }),
      ).rejects.toThrow();
    });

    it('a production call says so, and is signed as the production issuer', async () => {
      const [, prod] = await party(['tn.jpm.jobs:r'], [{ tenant: T1, env: 'production' }]);
      const answer = await call(server.url, `/production/api/jpm/v2/tenant/${T1}/jobs`, {
        headers: credentials(prod!),
      });
      expect(answer.status).toBe(200);
      const { headers } = jpm.arrivals.at(-1)!;
      expect(headers['gatehouse-environment']).toBe('production');
      const jwks = createRemoteJWKSet(new URL(`${server.url}/production/.well-known/jwks.json`));
      const { payload } = await jwtVerify(headers['gatehouse-assertion'] as string, jwks, {
        issuer: `${server.url}/production`,
        audience: jpm.url,
      });
      expect(payload).toMatchObject({
        env: 'production',
        cid: prod!.connectionId,
        htu: `/jpm/v2/tenant/${T1}/jobs`,
      });
    });

    it('takes every method to the upstream, the demo routes of its area included', async () => {
      for (const method of ['POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
        const answer = await call(server.url, crmPath('customers/7'), { method, headers: credentials(p) });
        expect(answer.status, method).toBe(method === 'POST' ? 201 : 200);
        expect(crm.arrivals.at(-1)).toMatchObject({ method, url: `/base/crm/v2/tenant/${T1}/customers/7` });
      }
      // The demo API's own POST route for CRM customers does not catch the call either.
      const created = await call(server.url, crmPath('customers'), {
        method: 'POST',
        headers: { ...credentials(p), 'content-type': 'application/json' },
        body: Buffer.from('{"name":"not checked by Gatehouse"}'),
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ upstream: 'ok', method: 'POST' });
    });

    it("streams a body of a few MB to the upstream intact, beyond the demo API's 1 MB limit", async () => {
      const body = randomBytes(5 * 1024 * 1024);
      const answer = await call(server.url, crmPath('customers/7/merge'), {
        method: 'POST',
        headers: { ...credentials(p), 'content-type': 'application/octet-stream' },
        body,
      });
      expect(answer.status).toBe(201);
      expect(crm.arrivals.at(-1)).toMatchObject({
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      });
      // A chunked body, whose length nobody knows beforehand, arrives the same.
      const parts = [randomBytes(700_000), randomBytes(900_000), randomBytes(1_300_000)];
      const chunked = await fetch(`${server.url}${crmPath('customers')}`, {
        method: 'PUT',
        headers: { ...credentials(p), 'content-type': 'application/json' },
        body: Readable.toWeb(Readable.from(parts)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(200);
      expect(crm.arrivals.at(-1)).toMatchObject({
        bytes: 2_900_000,
        sha256: createHash('sha256').update(Buffer.concat(parts)).digest('hex'),
      });
    });

    it('streams a 50 MB answer without holding it in memory', async () => {
      // Collected garbage is not held memory: collect as the body streams, then only what is kept counts.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      gc();
      const before = process.memoryUsage();
      const peak = { rss: before.rss, arrayBuffers: before.arrayBuffers };
      const madeBefore = crm.made.bytes;
      let received = 0;
      let sinceCheck = 0;
      let ahead = 0;
      const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .get(`${server.url}${crmPath('customers/big')}`, { headers: credentials(p) }, resolve)
          .on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-length']).toBe(String(BIG));
      let checks = 0;
      for await (const chunk of response) {
        received += (chunk as Buffer).length;
        sinceCheck += (chunk as Buffer).length;
        // What the upstream made and the client has not read yet is held somewhere on the way.
        ahead = Math.max(ahead, crm.made.bytes - madeBefore - received);
        if (sinceCheck >= 4 * 1024 * 1024) {
          sinceCheck = 0;
          gc();
          const now = process.memoryUsage();
          // From the second check on: the first MB pay once for the connections and the code on the way.
          if (++checks > 1) {
            peak.rss = Math.max(peak.rss, now.rss);
            peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
          }
        }
      }
      const mb = (bytes: number) => bytes / 1024 / 1024;
      expect(received).toBe(BIG);
      expect(mb(ahead), 'MB made upstream and not yet read').toBeLessThan(16);
      expect(mb(peak.arrayBuffers - before.arrayBuffers), 'MB of buffers held').toBeLessThan(16);
      expect(mb(peak.rss - before.rss), 'MB the process grew by').toBeLessThan(16);
    });

    it('stops the upstream call when the client goes away', async () => {
      await new Promise<void>((resolve, reject) => {
        const request = http.get(`${server.url}${crmPath('customers/big')}`, { headers: credentials(p) });
        request.on('response', (response) => response.once('data', () => request.destroy()));
        request.on('close', resolve).on('error', reject);
      });
      for (let i = 0; i < 100 && crm.cutShort.length === 0; i++) await sleep(20);
      expect(crm.cutShort).toEqual([`/base/crm/v2/tenant/${T1}/customers/big`]);
    });

    it('an unmapped area still answers from the demo data', async () => {
      const before = crm.arrivals.length + jpm.arrivals.length;
      const answer = await call(
        server.url,
        `/integration/api/settings/v2/tenant/${T1}/employees?pageSize=2`,
        {
          headers: credentials(p),
        },
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ totalCount: 25, pageSize: 2 });
      expect(crm.arrivals.length + jpm.arrivals.length).toBe(before);
    });
  });

  describe('when the upstream fails', () => {
    it('a stopped upstream answers 502, then 503 with Retry-After while its circuit is open, and recovers once back', async () => {
      const [p] = await party(['tn.jpm.jobs:r']);
      const jobs = `/integration/api/jpm/v2/tenant/${T1}/jobs`;
      const get = () => call(server.url, jobs, { headers: credentials(p) });
      expect((await get()).status).toBe(200);
      const { port } = jpm;
      await jpm.close();

      const down = await get();
      expect({ status: down.status, error: down.body.error }).toEqual({ status: 502, error: 'bad_gateway' });
      const open = await get();
      expect({ status: open.status, error: open.body.error }).toEqual({
        status: 503,
        error: 'upstream_unavailable',
      });
      expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(open.headers['x-ratelimit-limit']).toBe('60');
      expect(server.app.runtime.gateway.view().upstreams.find((u) => u.area === 'jpm')).toMatchObject({
        circuit: 'open',
        lastError: { message: expect.stringContaining('ECONNREFUSED') },
      });

      jpm = await startUpstream(port);
      let back = await get();
      for (let i = 0; i < 40 && back.status !== 200; i++) {
        await sleep(100);
        back = await get();
      }
      expect(back.status).toBe(200);
      expect(jpm.arrivals.at(-1)).toMatchObject({ method: 'GET', url: `/jpm/v2/tenant/${T1}/jobs` });
    });

    it('the usage report counts proxied calls under their route, upstream errors and timeouts as 5xx', async () => {
      const [p] = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
      const statuses = [];
      for (const [method, rest] of [
        ['GET', 'customers/1'],
        ['GET', 'customers/2'],
        ['GET', 'customers/fail'],
        ['GET', 'customers/slow'],
        ['POST', 'customers/7/merge'],
        ['GET', 'leads'],
        ['GET', 'secrets'],
      ] as const)
        statuses.push((await call(server.url, crmPath(rest), { method, headers: credentials(p) })).status);
      expect(statuses).toEqual([200, 200, 500, 504, 201, 403, 404]);

      const lines = Object.fromEntries(
        (await usageLines(server, p.appId)).map((line) => [
          `${line.tenantId} ${line.environment} ${line.endpoint}`,
          line.calls,
        ]),
      );
      const counts = (two: number, four: number, five: number) => ({
        '2xx': two,
        '4xx': four,
        '429': 0,
        '5xx': five,
      });
      expect(lines).toEqual({
        [`${T1} integration GET /crm/v2/tenant/{tenant}/customers/{id}`]: counts(2, 0, 2),
        [`${T1} integration POST /crm/v2/tenant/{tenant}/customers/*/merge`]: counts(1, 0, 0),
        [`${T1} integration GET /crm/v2/tenant/{tenant}/leads`]: counts(0, 1, 0),
      });
    });
  });
});
