import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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
  usageLines,
} from '#test/gateway';
import { dialects, type TestDatabase } from '#test/harness';
import type { listen } from '#test/http-client';

/** The upstream's timeout: also how long a client may keep the gateway waiting for its body or its reading. */
const TIMEOUT_MS = 600;

/**
 * The platform's own service: `…/slow` answers after the gateway gave up, `…/broken` breaks off a small
 * answer, `…?to=…` sends the client to that Location.
 */
function startUpstream() {
  return recordingUpstream({
    slowMs: TIMEOUT_MS * 3,
    answer: (request, reply) => {
      if (request.url.endsWith('/broken')) {
        // Promises 1,000 bytes, sends 10 and hangs up: a small answer the gateway reads whole first.
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        reply.raw.write('{"partial"');
        setTimeout(() => reply.raw.destroy(), 20);
        return reply;
      }
      const moved = new URL(request.url, 'http://upstream').searchParams.get('to');
      if (moved) return reply.code(303).header('location', moved).send();
    },
  });
}

/**
 * A POST whose body stops after its first byte, its connection held open for `holdMs`: `answer` is the
 * status line the gateway sent back (empty if none) and when, `closedAt` when the gateway closed the connection.
 */
function stalledPost(base: string, path: string, headers: Record<string, string>, holdMs = 5_000) {
  const { port } = new URL(base);
  const started = Date.now();
  let received = '';
  let answeredAt = 0;
  const socket = net.connect(Number(port), '127.0.0.1', () => {
    const lines = Object.entries({
      ...headers,
      host: 'x',
      'content-type': 'application/json',
      'content-length': '1000',
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n{`,
    );
  });
  socket.on('data', (data) => {
    received += data;
    answeredAt ||= Date.now() - started;
  });
  socket.on('error', () => {});
  const timer = setTimeout(() => socket.destroy(), holdMs);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
  return {
    answer: closed.then((closedAt) => {
      clearTimeout(timer);
      return {
        statusLine: received.split('\r\n')[0] ?? '',
        body: received.split('\r\n\r\n')[1] ?? '',
        answeredAt,
        closedAt,
      };
    }),
    stop: () => socket.destroy(),
  };
}

describe.each(dialects)('gateway mode against abuse on %s', (dialect) => {
  let t: TestDatabase;
  let crm: RecordingUpstream;
  let server: Awaited<ReturnType<typeof listen>>;
  let connect: ReturnType<typeof partyFactory>;

  /** A new app connected in T1 for integration, with a token. */
  const party = async (scopes = ['tn.crm.customers:r', 'tn.crm.customers:w']) => (await connect(scopes))[0];
  const health = () => server.app.runtime.gateway.view().upstreams.find((u) => u.area === 'crm')!;

  let rig: GatewayRig;
  beforeAll(async () => {
    rig = await gatewayRig(
      dialect,
      startUpstream,
      (crmUrl) => ({
        upstreams: {
          crm: {
            url: `${crmUrl}/base`,
            timeoutMs: TIMEOUT_MS,
            connections: 2,
            breaker: { failures: 3, cooldownMs: 5_000 },
          },
        },
      }),
      { publicUrl: 'https://api.gatehouse.example' },
    );
    ({ t, crm, server } = rig);
    connect = partyFactory(server.url, await partyCallers(t), 'Abusive caller');
  });
  afterAll(() => rig?.close());

  describe('a client that goes quiet', () => {
    it("holds no connection for long: two stalled POSTs get 408 after the timeout, and another app's GET is not kept waiting", async () => {
      const [a, b, c] = await Promise.all([party(), party(), party()]);
      const before = crm.arrivals.length;
      const stalled = [a, b].map((p) => stalledPost(server.url, crmPath('customers'), credentials(p)));
      // Both connections to the upstream (connections: 2) are taken by the stalled bodies.
      await expect.poll(() => health().inFlight).toBe(2);
      await sleep(TIMEOUT_MS / 3);

      const answer = await call(server.url, crmPath('customers'), { headers: credentials(c) });
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(TIMEOUT_MS);

      for (const { answer } of stalled) {
        const { statusLine, body, answeredAt, closedAt } = await answer;
        expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
        expect(JSON.parse(body)).toMatchObject({ error: 'request_timeout' });
        expect(answeredAt).toBeGreaterThanOrEqual(TIMEOUT_MS);
        expect(answeredAt).toBeLessThan(TIMEOUT_MS * 3);
        // The gateway closed the connection itself, long before the client would have.
        expect(closedAt).toBeLessThan(TIMEOUT_MS * 3);
      }
      // The upstream never got a body in full, and nothing is left under way.
      expect(crm.arrivals.slice(before).map((arrival) => arrival.method)).toEqual(['GET']);
      await expect.poll(() => health().inFlight).toBe(0);
    });

    it('is cut off once it stops reading a large answer, and the upstream call stops with it', async () => {
      const p = await party();
      const url = `/base/crm/v2/tenant/${T1}/customers/big`;
      const started = Date.now();
      const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .get(`${server.url}${crmPath('customers/big')}`, { headers: credentials(p), agent: false }, resolve)
          .on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      // Reads nothing of the answer: it waits in the buffers on the way until they are full.
      await expect.poll(() => crm.cutShort, { timeout: TIMEOUT_MS * 8 }).toContain(url);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
      await expect.poll(() => health().inFlight).toBe(0);

      // Reading again, the client finds its answer cut short.
      let received = 0;
      const complete = await new Promise<boolean>((resolve) => {
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        response.on('end', () => resolve(response.complete));
        response.on('error', () => resolve(false));
        response.on('close', () => resolve(response.complete));
      });
      expect(complete).toBe(false);
      expect(received).toBeLessThan(800 * 64 * 1024);
    });
  });

  describe('an upstream that breaks off a small answer', () => {
    it('gets the client a 502 in the API error shape, not half a body', async () => {
      const p = await party();
      const answer = await call(server.url, `/integration/api/crm/v2/tenant/${T1}/customers/1/broken`, {
        headers: credentials(p),
      });
      expect(answer.status).toBe(502);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.body).toMatchObject({ error: 'bad_gateway' });
    });
  });

  describe('calls in flight per app and tenant', () => {
    it('beyond a quarter of the connections (at least one): 429 with Retry-After: 1, never reaching the upstream, counted in usage', async () => {
      const [a, b] = await Promise.all([party(), party()]);
      const stalled = stalledPost(server.url, crmPath('customers'), credentials(a));
      await expect.poll(() => health().inFlight).toBe(1);
      const before = crm.arrivals.length;

      const refused = await call(server.url, crmPath('customers'), { headers: credentials(a) });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({
        error: 'rate_limited',
        error_description: expect.stringMatching(/^Too many calls in flight/),
      });
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.headers['x-ratelimit-limit']).toBe('60');
      expect(crm.arrivals.length).toBe(before);
      // Another app (or this app in another tenant) has its own share.
      expect((await call(server.url, crmPath('customers'), { headers: credentials(b) })).status).toBe(200);

      expect((await stalled.answer).statusLine).toMatch(/^HTTP\/1.1 408/);
      expect((await call(server.url, crmPath('customers'), { headers: credentials(a) })).status).toBe(200);

      const lines = Object.fromEntries(
        (await usageLines(server, a.appId)).map((line) => [line.endpoint, line.calls]),
      );
      expect(lines).toEqual({
        'POST /crm/v2/tenant/{tenant}/customers': { '2xx': 0, '4xx': 1, '429': 0, '5xx': 0 },
        'GET /crm/v2/tenant/{tenant}/customers': { '2xx': 1, '4xx': 0, '429': 1, '5xx': 0 },
      });
    });
  });

  describe('what the upstream is told', () => {
    const claimsOf = (assertion: string) =>
      JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

    it("names the public URL's host and an id of Gatehouse's own, whatever Host and x-request-id the client sent", async () => {
      const p = await party();
      const answer = await call(server.url, crmPath('customers'), {
        headers: {
          ...credentials(p),
          host: 'evil.example',
          'x-forwarded-host': 'evil.example',
          'x-request-id': 'chosen-by-client',
        },
      });
      expect(answer.status).toBe(200);
      const { headers } = crm.arrivals.at(-1)!;
      expect(headers['x-forwarded-host']).toBe('api.gatehouse.example');
      const requestId = headers['gatehouse-request-id'] as string;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(claimsOf(headers['gatehouse-assertion'] as string).request_id).toBe(requestId);
      // The client's own id is an ordinary header, passed on as such.
      expect(headers['x-request-id']).toBe('chosen-by-client');

      // Without one, the id is the one Gatehouse answers with and logs under.
      const plain = await call(server.url, crmPath('customers'), { headers: credentials(p) });
      const arrived = crm.arrivals.at(-1)!.headers;
      expect(arrived['gatehouse-request-id']).toBe(plain.headers['x-request-id']);
      expect(arrived['gatehouse-request-id']).not.toBe(requestId);
      expect(claimsOf(arrived['gatehouse-assertion'] as string).request_id).toBe(
        plain.headers['x-request-id'],
      );
    });
    it("points a Location on the upstream's own address at the gateway's public URL, and leaves others alone", async () => {
      const p = await party();
      const moved = (to: string) =>
        call(server.url, `${crmPath('customers')}?to=${encodeURIComponent(to)}`, { headers: credentials(p) });

      const own = await moved(`${crm.url}/base/crm/v2/tenant/${T1}/customers/9?view=full`);
      expect(own.status).toBe(303);
      expect(own.headers.location).toBe(
        `https://api.gatehouse.example/integration/api/crm/v2/tenant/${T1}/customers/9?view=full`,
      );
      expect((await moved(`/base/crm/v2/tenant/${T1}/customers/10`)).headers.location).toBe(
        `https://api.gatehouse.example/integration/api/crm/v2/tenant/${T1}/customers/10`,
      );
      expect((await moved('https://login.example.com/authorize')).headers.location).toBe(
        'https://login.example.com/authorize',
      );
    });
  });

  describe('the circuit', () => {
    it("stays closed for everyone when one app's calls to a slow path time out", async () => {
      const slowCaller = await party();
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (await call(server.url, crmPath('customers/1/slow'), { headers: credentials(slowCaller) })).status,
        );
      expect(statuses).toEqual([504, 504, 504]);
      expect(health()).toMatchObject({ circuit: 'closed' });

      const other = await party();
      const answer = await call(server.url, crmPath('customers'), { headers: credentials(other) });
      expect(answer.status).toBe(200);
    });
  });
});
