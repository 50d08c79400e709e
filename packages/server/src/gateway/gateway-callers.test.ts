import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  credentials,
  crmPath,
  type GatewayRig,
  gatewayRig,
  type Party,
  partyCallers,
  partyFactory,
  type RecordingUpstream,
  recordingUpstream,
  T1,
  T2,
} from '#test/gateway';
import { dialects, type TestDatabase } from '#test/harness';
import type { listen } from '#test/http-client';

/** The upstream's timeout: a `…/slow` GET gets 504 after it, and a body must have arrived within ten of it. */
const TIMEOUT_MS = 300;
const COOLDOWN_MS = 800;

/** The platform's own service: `…/hold` sends its headers and a first chunk, then holds its answer open. */
function startUpstream() {
  return recordingUpstream({
    slowMs: TIMEOUT_MS * 4,
    answer: (request, reply) => {
      if (!request.url.endsWith('/hold')) return undefined;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('held');
      return reply;
    },
  });
}

/** A GET of `…/hold`: resolves with its status once the headers are in; the connection stays open until released. */
function held(base: string, party: Party, tenant = T1) {
  let request: http.ClientRequest | undefined;
  const status = new Promise<number>((resolve, reject) => {
    request = http.get(`${base}${crmPath('customers/hold', tenant)}`, {
      headers: credentials(party),
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => resolve(response.statusCode ?? 0));
  });
  return { status, release: () => request?.destroy() };
}

/**
 * A POST whose body arrives a byte every `everyMs`, never idle for long, for `holdMs` at most: resolves with
 * the status line the gateway sent (empty if none) and when the connection closed.
 */
function tricklingPost(base: string, party: Party, everyMs: number, holdMs: number) {
  const started = Date.now();
  return new Promise<{ statusLine: string; closedAt: number }>((resolve) => {
    let received = '';
    const socket = net.connect(Number(new URL(base).port), '127.0.0.1', () => {
      socket.write(
        `POST ${crmPath('customers')} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${party.token}\r\n` +
          `st-app-key: ${party.appKey}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{`,
      );
    });
    const tick = setInterval(() => socket.writable && socket.write(' '), everyMs);
    const stop = setTimeout(() => socket.destroy(), holdMs);
    socket.on('data', (data) => (received += data));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(tick);
      clearTimeout(stop);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', closedAt: Date.now() - started });
    });
  });
}

describe.each(dialects)('gateway mode, one app among others, on %s', (dialect) => {
  let t: TestDatabase;
  let crm: RecordingUpstream;
  let server: Awaited<ReturnType<typeof listen>>;
  let connect: ReturnType<typeof partyFactory>;

  const scopes = ['tn.crm.customers:r', 'tn.crm.customers:w'];
  /** A new app connected in T1 and T2 for integration, with a token for each. */
  const inTwoTenants = () => connect(scopes, [{ tenant: T2, env: 'integration' }]);
  const party = async () => (await connect(scopes))[0];
  const health = () => server.app.runtime.gateway.view().upstreams.find((u) => u.area === 'crm')!;
  const get = (p: Party, rest = 'customers', tenant = T1) =>
    call(server.url, crmPath(rest, tenant), { headers: credentials(p) });
  const slowArrivals = () => crm.arrivals.filter((arrival) => arrival.url.endsWith('/slow')).length;

  let rig: GatewayRig;
  beforeAll(async () => {
    rig = await gatewayRig(dialect, startUpstream, (crmUrl) => ({
      upstreams: {
        crm: {
          url: `${crmUrl}/base`,
          timeoutMs: TIMEOUT_MS,
          // An app may hold one of them, and each of its tenants one.
          connections: 2,
          breaker: { failures: 2, cooldownMs: COOLDOWN_MS },
        },
      },
    }));
    ({ t, crm, server } = rig);
    connect = partyFactory(server.url, await partyCallers(t), 'Busy caller');
  });
  afterAll(() => rig?.close());

  it("one app is one caller for the circuit: its slow GETs for two tenants never open it for another app's", async () => {
    const [[inT1, inT2], other] = await Promise.all([inTwoTenants(), party()]);

    for (const [p, tenant] of [
      [inT1, T1],
      [inT2!, T2],
      [inT1, T1],
    ] as const)
      expect((await get(p, 'customers/1/slow', tenant)).status).toBe(504);

    expect(health()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
    expect((await get(other)).status).toBe(200);
  });

  it("once two apps' timeouts open the circuit, one app's slow trial neither reopens it nor comes again: another app's GET closes it", async () => {
    const [a, b, c] = await Promise.all([party(), party(), party()]);
    expect((await get(a, 'customers/1/slow')).status).toBe(504);
    expect((await get(b, 'customers/1/slow')).status).toBe(504);
    const { circuit, openUntil } = health();
    expect(circuit).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, openUntil!.getTime() - Date.now() + 50));

    const before = slowArrivals();
    expect((await get(a, 'customers/1/slow')).status).toBe(504); // the trial
    const again = await get(a, 'customers/1/slow');
    expect(again.status).toBe(503);
    expect(again.headers['retry-after']).toBe('1');
    expect(slowArrivals()).toBe(before + 1);
    expect(health()).toMatchObject({ circuit: 'open', openUntil });

    expect((await get(c)).status).toBe(200);
    expect(health().circuit).toBe('closed');
  });

  it('one app holds at most half of the connections, whichever of its tenants its calls are for', async () => {
    const [[inT1, inT2], other] = await Promise.all([inTwoTenants(), party()]);
    const holding = held(server.url, inT1);
    expect(await holding.status).toBe(200);

    const refused = await get(inT2!, 'customers', T2);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({
      error: 'rate_limited',
      error_description: expect.stringMatching(/this app;/),
    });
    expect((await get(other)).status).toBe(200);

    holding.release();
    await expect.poll(() => health().inFlight).toBe(0);
    expect((await get(inT2!, 'customers', T2)).status).toBe(200);
  });

  it('a body sent a byte at a time, never idle for long, gets 408 once ten timeouts have passed, and frees its connection', async () => {
    const p = await party();

    const { statusLine, closedAt } = await tricklingPost(server.url, p, TIMEOUT_MS / 3, TIMEOUT_MS * 20);

    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(closedAt).toBeGreaterThanOrEqual(TIMEOUT_MS * 10 - 50);
    expect(closedAt).toBeLessThan(TIMEOUT_MS * 14);
    await expect.poll(() => health().inFlight).toBe(0);
    expect((await get(p)).status).toBe(200);
  });
});
