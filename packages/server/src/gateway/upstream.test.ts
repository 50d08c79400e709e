import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import v8 from 'node:v8';
import vm from 'node:vm';
import { SCOPE_CATALOG } from '@gatehouse/domain';
import Fastify, { type FastifyInstance } from 'fastify';
import { request as undiciRequest } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { readGatewayConfig, type UpstreamConfig } from './config';
import { upstreamRequestHeaders } from './headers';
import { Upstream, type UpstreamAnswer, type UpstreamRequest, Upstreams } from './upstream';

const crm = SCOPE_CATALOG.find((area) => area.path === 'crm')!;

/** Closed after each test, last opened first. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A bare Fastify upstream on a free (or the given) port; connections are cut when it closes. */
async function startUpstream(
  routes: (app: FastifyInstance) => void,
  port = 0,
): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ forceCloseConnections: true });
  routes(app);
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address() as net.AddressInfo;
  cleanups.push(() => app.close());
  return { app, port: address.port };
}

function upstreamFor(url: string, settings: Partial<UpstreamConfig> = {}): Upstream {
  const upstream = new Upstream({
    area: crm,
    url,
    timeoutMs: 5_000,
    connections: 4,
    breaker: { failures: 3, cooldownMs: 400 },
    ...settings,
  });
  cleanups.push(() => upstream.close());
  return upstream;
}

function get(path: string, headers: Record<string, string | string[]> = {}) {
  return { method: 'GET', path, headers, body: null };
}

async function bodyOf(answer: UpstreamAnswer): Promise<string> {
  if (!answer.ok) throw new Error(`expected an answer, got ${answer.status} ${answer.error}`);
  return text(answer.body);
}

describe('Upstream', () => {
  it('sends the path below the base URL with its query, and streams the answer back', async () => {
    const { port } = await startUpstream((app) => {
      app.get('/base/crm/v2/tenant/:tenant/customers', async (request) => ({
        url: request.url,
        tenant: (request.params as { tenant: string }).tenant,
      }));
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}/base`);

    const answer = await upstream.send(get('/crm/v2/tenant/985798691/customers?x=1&y=a%20b'));

    expect(answer.ok && answer.status).toBe(200);
    expect(JSON.parse(await bodyOf(answer))).toEqual({
      url: '/base/crm/v2/tenant/985798691/customers?x=1&y=a%20b',
      tenant: '985798691',
    });
    expect(answer.ok && answer.headers['content-type']).toMatch(/application\/json/);
    const health = upstream.health();
    expect(health).toMatchObject({ area: 'crm', circuit: 'closed', calls: 1, failures: 0, inFlight: 0 });
    expect(health.lastSuccessAt).toBeInstanceOf(Date);
  });

  it("passes the upstream's 4xx and 5xx answers through as answers, not failures", async () => {
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/missing', async (_request, reply) => reply.code(404).send({ no: 1 }));
      app.get('/crm/v2/tenant/1/broken', async (_request, reply) => reply.code(500).send({ no: 2 }));
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      breaker: { failures: 1, cooldownMs: 10_000 },
    });

    const missing = await upstream.send(get('/crm/v2/tenant/1/missing'));
    await bodyOf(missing);
    const broken = await upstream.send(get('/crm/v2/tenant/1/broken'));
    await bodyOf(broken);

    expect([missing.status, broken.status]).toEqual([404, 500]);
    expect(upstream.health()).toMatchObject({ circuit: 'closed', failures: 0, consecutiveFailures: 0 });
  });

  it('sends a body upstream as it streams', async () => {
    const { port } = await startUpstream((app) => {
      app.post('/crm/v2/tenant/1/customers', async (request) => ({ got: request.body }));
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`);

    const answer = await upstream.send({
      method: 'POST',
      path: '/crm/v2/tenant/1/customers',
      headers: { 'content-type': 'application/json' },
      body: Readable.from([Buffer.from('{"name":'), Buffer.from('"Ada"}')]),
    });

    expect(JSON.parse(await bodyOf(answer))).toEqual({ got: { name: 'Ada' } });
  });
});

/** A plain TCP upstream for what Fastify would not do: count connections, break them on purpose. */
async function rawUpstream(
  onRequest: (socket: net.Socket, arrival: number) => void,
  port = 0,
): Promise<{ port: number; connections: () => number; arrivals: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let arrivals = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', () => onRequest(socket, ++arrivals));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(close);
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    arrivals: () => arrivals,
    close,
  };
}

/** A port nothing listens on: connections to it are refused. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const OK_RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
/** A caller: an app, and one of its app × tenant × environment pairs (the app's only one unless named). */
const who = (app: string, pair = `${app}:1`) => ({ app, pair });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Upstream: headers', () => {
  it("drops the client's hop-by-hop headers, credentials and Gatehouse's own names, and adds the extra ones", async () => {
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/customers', async (request) => request.headers);
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`);
    const headers = upstreamRequestHeaders(
      {
        host: 'gatehouse.example',
        connection: 'keep-alive, X-Hop-Secret',
        'x-hop-secret': 'for this hop only',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        trailer: 'x-checksum',
        'proxy-connection': 'keep-alive',
        'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
        authorization: 'Bearer client-token',
        'st-app-key': 'ak_client',
        cookie: 'session=1',
        'gatehouse-app-id': 'spoofed',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=6.6.6.6',
        accept: 'application/json',
        'x-custom': 'kept',
      },
      { 'gatehouse-app-id': 'app_1', 'x-forwarded-for': '203.0.113.9' },
    );

    const answer = await upstream.send(get('/crm/v2/tenant/1/customers', headers));
    const arrived = JSON.parse(await bodyOf(answer)) as Record<string, string>;

    expect(arrived).toMatchObject({
      host: `127.0.0.1:${port}`,
      accept: 'application/json',
      'x-custom': 'kept',
      'gatehouse-app-id': 'app_1',
      'x-forwarded-for': '203.0.113.9',
    });
    for (const name of [
      'x-hop-secret',
      'keep-alive',
      'te',
      'trailer',
      'proxy-connection',
      'proxy-authorization',
      'authorization',
      'st-app-key',
      'cookie',
      'x-forwarded-host',
      'forwarded',
    ])
      expect(arrived, name).not.toHaveProperty(name);
    expect(arrived.connection ?? '').not.toMatch(/hop/i);
  });

  it("drops the upstream's hop-by-hop headers and those its Connection header names", async () => {
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/customers', (_request, reply) => {
        reply.hijack();
        reply.raw.writeHead(200, {
          connection: 'keep-alive, X-Resp-Hop',
          'x-resp-hop': 'for this hop only',
          'keep-alive': 'timeout=5',
          'proxy-authenticate': 'Basic realm="upstream"',
          'proxy-connection': 'keep-alive',
          trailer: 'x-checksum',
          upgrade: 'h2c',
          'content-type': 'text/plain',
          'x-kept': 'yes',
        });
        reply.raw.addTrailers({ 'x-checksum': '1' });
        reply.raw.end('hello');
      });
    });
    const hopByHop = [
      'connection',
      'x-resp-hop',
      'keep-alive',
      'proxy-authenticate',
      'proxy-connection',
      'trailer',
      'transfer-encoding',
      'upgrade',
    ];
    // The upstream really sends them, so their absence below is the gateway's doing.
    const direct = await undiciRequest(`http://127.0.0.1:${port}/crm/v2/tenant/1/customers`);
    await direct.body.text();
    for (const name of hopByHop) expect(direct.headers, name).toHaveProperty(name);

    const answer = await upstreamFor(`http://127.0.0.1:${port}`).send(get('/crm/v2/tenant/1/customers'));

    expect(await bodyOf(answer)).toBe('hello');
    if (!answer.ok) return;
    expect(answer.headers).toMatchObject({ 'x-kept': 'yes', 'content-type': 'text/plain' });
    for (const name of hopByHop) expect(answer.headers, name).not.toHaveProperty(name);
  });
});

describe('Upstream: failures', () => {
  it('answers 504 when the upstream sends no headers in time, without waiting for it', async () => {
    let arrivals = 0;
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/customers', (_request, reply) => {
        arrivals++;
        reply.hijack(); // and never answer
      });
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, { timeoutMs: 300 });

    const started = Date.now();
    const answer = await upstream.send(get('/crm/v2/tenant/1/customers'));

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(answer).toMatchObject({ ok: false, status: 504, error: 'gateway_timeout' });
    expect(answer.ok || answer.description).toMatch(/^The CRM service did not answer in time/);
    expect(arrivals).toBe(1); // a timeout is never sent again
    // A failure, but one that does not count towards opening the circuit: one caller's timeouts alone never do.
    expect(upstream.health()).toMatchObject({
      circuit: 'closed',
      consecutiveFailures: 0,
      failures: 1,
      inFlight: 0,
      lastError: { message: 'No answer within 300 ms' },
    });
  });

  it('answers 502 for an unreachable upstream, naming the area and not the address', async () => {
    const port = await refusedPort();
    const upstream = upstreamFor(`http://127.0.0.1:${port}`);

    const answer = await upstream.send(get('/crm/v2/tenant/1/customers'));

    expect(answer).toEqual({
      ok: false,
      status: 502,
      error: 'bad_gateway',
      description: 'The CRM service could not be reached.',
    });
    expect(upstream.health().lastError?.message).toMatch(/ECONNREFUSED/);
  });

  it('opens the circuit after consecutive failures, refuses without connecting, and closes once the upstream is back', async () => {
    const route = (app: FastifyInstance) => app.get('/crm/v2/tenant/1/customers', async () => ({ up: true }));
    const first = await startUpstream(route);
    const upstream = upstreamFor(`http://127.0.0.1:${first.port}`, {
      breaker: { failures: 3, cooldownMs: 1_500 },
    });
    const call = () => upstream.send(get('/crm/v2/tenant/1/customers'));
    expect(JSON.parse(await bodyOf(await call()))).toEqual({ up: true });

    await first.app.close();
    for (let failure = 1; failure <= 3; failure++) {
      expect(await call()).toMatchObject({ status: 502, error: 'bad_gateway' });
      expect(upstream.health().consecutiveFailures).toBe(failure);
    }
    expect(upstream.health()).toMatchObject({ circuit: 'open', calls: 4, failures: 3 });
    expect(upstream.health().openUntil!.getTime()).toBeGreaterThan(Date.now());

    // Something listens on the port again, but an open circuit does not even try it.
    const listener = await rawUpstream((socket) => socket.end(OK_RESPONSE), first.port);
    const waitBefore = upstream.health().openUntil!.getTime() - Date.now();
    const refused = await call();
    const waitAfter = upstream.health().openUntil!.getTime() - Date.now();
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused).toMatchObject({ status: 503, error: 'upstream_unavailable' });
    // The cooldown's rest, rounded up to whole seconds.
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(Math.ceil(waitAfter / 1000));
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(waitBefore / 1000));
    expect(refused.description).toBe(
      `The CRM service is unavailable; try again in ${refused.retryAfterSeconds} s.`,
    );
    expect((await call()).status).toBe(503);
    expect(listener.connections()).toBe(0);
    expect(upstream.health()).toMatchObject({ circuit: 'open', calls: 4 });
    await listener.close();

    await sleep(upstream.health().openUntil!.getTime() - Date.now() + 50);
    await startUpstream(route, first.port);
    expect(JSON.parse(await bodyOf(await call()))).toEqual({ up: true });
    const health = upstream.health();
    expect(health).toMatchObject({ circuit: 'closed', openUntil: null, consecutiveFailures: 0, calls: 5 });
    expect(health.lastSuccessAt!.getTime()).toBeGreaterThan(health.lastError!.at.getTime());
  });

  it('lets one trial call through when half-open, refuses the others meanwhile, and is open again when it fails', async () => {
    const port = await refusedPort();
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs: 1_500,
      breaker: { failures: 1, cooldownMs: 200 },
    });
    const call = (app: string) => upstream.send({ ...get('/crm/v2/tenant/1/customers'), caller: who(app) });
    expect((await call('a')).status).toBe(502);
    expect(upstream.health().circuit).toBe('open');
    await sleep(250);

    const hanging = await rawUpstream(() => {}, port); // accepts, never answers
    const started = Date.now();
    const trial = call('b');
    await expect.poll(() => hanging.arrivals()).toBe(1);
    expect(upstream.health().circuit).toBe('half-open');
    expect(await call('c')).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(await trial).toMatchObject({ status: 504 });
    expect(Date.now() - started).toBeLessThan(2_500);

    expect(upstream.health().circuit).toBe('open');
    // The caller whose trial timed out is not the trial again for a cooldown.
    expect(await call('b')).toMatchObject({ status: 503, error: 'upstream_unavailable' });
    expect(hanging.connections()).toBe(1);
  });

  it("does not count a client's going away against the upstream, and stops the upstream call", async () => {
    let upstreamSawClose = false;
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/customers', (_request, reply) => {
        reply.hijack();
        reply.raw.once('close', () => {
          upstreamSawClose = true;
        });
      });
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      breaker: { failures: 1, cooldownMs: 10_000 },
    });
    const client = new AbortController();

    const answer = upstream.send({ ...get('/crm/v2/tenant/1/customers'), signal: client.signal });
    await expect.poll(() => upstream.health().inFlight).toBe(1);
    await sleep(50);
    client.abort();

    expect((await answer).ok).toBe(false);
    await expect.poll(() => upstreamSawClose).toBe(true);
    expect(upstream.health()).toMatchObject({ circuit: 'closed', failures: 0, inFlight: 0, lastError: null });
  });
});

describe('Upstream: no one caller holds the circuit open', () => {
  const customers = '/crm/v2/tenant/1/customers';
  const by = (app: string, more: Partial<UpstreamRequest> = {}) =>
    ({ ...get(customers), caller: who(app), ...more }) as UpstreamRequest;

  /** An upstream whose circuit a refused connection has opened, past its cooldown, and what listens there now. */
  async function openedThenListening(onRequest: Parameters<typeof rawUpstream>[0], timeoutMs = 1_000) {
    const port = await refusedPort();
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs,
      breaker: { failures: 1, cooldownMs: 200 },
    });
    expect((await upstream.send(by('a'))).status).toBe(502);
    const openUntil = upstream.health().openUntil!;
    const listener = await rawUpstream(onRequest, port);
    await sleep(openUntil.getTime() - Date.now() + 30);
    return { upstream, listener, openUntil };
  }

  it("one caller's timeouts never open the circuit; timeouts of two callers in a row do", async () => {
    const { port } = await startUpstream((app) => {
      app.get(customers, (_request, reply) => void reply.hijack()); // never answers
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs: 150,
      breaker: { failures: 2, cooldownMs: 10_000 },
    });

    for (let i = 0; i < 3; i++)
      expect(await upstream.send(by('slow-path-caller'))).toMatchObject({ status: 504 });
    expect(upstream.health()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, failures: 3 });
    expect(await upstream.send(by('another'))).toMatchObject({ status: 504 });
    expect(upstream.health()).toMatchObject({ circuit: 'open', consecutiveFailures: 4 });
    expect(await upstream.send(by('a third'))).toMatchObject({ status: 503, error: 'upstream_unavailable' });
  });

  it("one app's timeouts never open the circuit, from however many of its tenants and environments they come", async () => {
    const { port } = await startUpstream((app) => {
      app.get(customers, (_request, reply) => void reply.hijack()); // never answers
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs: 150,
      breaker: { failures: 2, cooldownMs: 10_000 },
    });

    for (const pair of ['a:1', 'a:2', 'a:3', 'a:1'])
      expect(await upstream.send(by('a', { caller: who('a', pair) }))).toMatchObject({ status: 504 });
    expect(upstream.health()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0, failures: 4 });
  });

  it('once open, one caller whose trial timed out starts no new cooldown and is not the trial again until it closes', async () => {
    let slowArrivals = 0;
    const { port } = await startUpstream((app) => {
      app.get(`${customers}/slow`, (_request, reply) => {
        slowArrivals++;
        reply.hijack(); // never answers
      });
      app.get(customers, async () => 'ok');
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs: 150,
      breaker: { failures: 2, cooldownMs: 300 },
    });
    const slow = (app: string) => upstream.send(by(app, { path: `${customers}/slow` }));
    // Two callers' timeouts open it: that run is over once it has opened.
    expect(await slow('a')).toMatchObject({ status: 504 });
    expect(await slow('b')).toMatchObject({ status: 504 });
    const { openUntil } = upstream.health();
    expect(upstream.health().circuit).toBe('open');
    await sleep(openUntil!.getTime() - Date.now() + 30);

    expect(await slow('a')).toMatchObject({ status: 504 });
    expect(upstream.health()).toMatchObject({ circuit: 'open', openUntil });
    expect(await slow('a')).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(slowArrivals).toBe(3);
    // Another app's call is the trial, and closes the circuit: a may call again as before.
    expect(await bodyOf(await upstream.send(by('c')))).toBe('ok');
    expect(upstream.health().circuit).toBe('closed');
    expect(await slow('a')).toMatchObject({ status: 504 });
    expect(slowArrivals).toBe(4);
  });

  it('a caller alone whose trial timed out may be the trial again a cooldown later', async () => {
    const { upstream, listener } = await openedThenListening((socket, arrival) => {
      if (arrival > 1) socket.end(OK_RESPONSE); // the first one hangs
    }, 150);

    expect(await upstream.send(by('a'))).toMatchObject({ status: 504 });
    expect(await upstream.send(by('a'))).toMatchObject({ status: 503 });
    expect(listener.arrivals()).toBe(1);
    await sleep(230);
    expect(await bodyOf(await upstream.send(by('a')))).toBe('ok');
    expect(upstream.health().circuit).toBe('closed');
  });

  it('a success ends the run: timeouts before it and after it are not counted together', async () => {
    let arrivals = 0;
    const { port } = await startUpstream((app) => {
      app.get(customers, (_request, reply) => {
        if (++arrivals !== 2) return void reply.hijack();
        return reply.send({ ok: true });
      });
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`, {
      timeoutMs: 150,
      breaker: { failures: 2, cooldownMs: 10_000 },
    });

    expect(await upstream.send(by('a'))).toMatchObject({ status: 504 });
    await bodyOf(await upstream.send(by('a')));
    expect(await upstream.send(by('b'))).toMatchObject({ status: 504 });
    expect(upstream.health()).toMatchObject({ circuit: 'closed', consecutiveFailures: 0 });
  });

  it('only a call without a body that changes nothing may be the trial; the others are told to retry in 1 s', async () => {
    const { upstream, listener } = await openedThenListening((socket) => socket.end(OK_RESPONSE));

    const refusals = await Promise.all([
      upstream.send(
        by('b', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: Readable.from([Buffer.from('held open')]),
        }),
      ),
      upstream.send(by('b', { method: 'DELETE' })),
      upstream.send(by('b', { method: 'PATCH' })),
    ]);
    for (const refusal of refusals)
      expect(refusal).toMatchObject({
        ok: false,
        status: 503,
        error: 'upstream_unavailable',
        retryAfterSeconds: 1,
      });
    expect(listener.connections()).toBe(0);
    expect(upstream.health().circuit).toBe('open');

    expect(await bodyOf(await upstream.send(by('b')))).toBe('ok');
    expect(upstream.health()).toMatchObject({ circuit: 'closed', openUntil: null });
    expect(listener.arrivals()).toBe(1);
  });

  it('a trial the client gives up is neither a success nor a failure: the next call is the trial', async () => {
    const { upstream, listener, openUntil } = await openedThenListening((socket, arrival) => {
      if (arrival > 1) socket.end(OK_RESPONSE); // the first one hangs
    });
    const client = new AbortController();

    const abandoned = upstream.send(by('b', { signal: client.signal }));
    await expect.poll(() => listener.arrivals()).toBe(1);
    expect(upstream.health().circuit).toBe('half-open');
    client.abort();
    expect((await abandoned).ok).toBe(false);

    // Not opened again for another cooldown: open still as before, its cooldown over.
    expect(upstream.health()).toMatchObject({ circuit: 'open', openUntil, failures: 1 });
    expect(await bodyOf(await upstream.send(by('c')))).toBe('ok');
    expect(listener.arrivals()).toBe(2);
    expect(upstream.health().circuit).toBe('closed');
  });

  it('a trial that times out frees the trial when its caller alone timed out, and reopens once two did', async () => {
    const { upstream, listener, openUntil } = await openedThenListening(() => {}, 200); // never answers

    expect(await upstream.send(by('a'))).toMatchObject({ status: 504 });
    // Caller a opened the circuit and caller a timed out: no new cooldown, the next call may try.
    expect(upstream.health()).toMatchObject({ circuit: 'open', openUntil });
    expect(await upstream.send(by('b'))).toMatchObject({ status: 504 });
    expect(listener.arrivals()).toBe(2);
    expect(upstream.health().openUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await upstream.send(by('c'))).toMatchObject({ status: 503 });
  });
});

describe('Upstream: no one caller holds the connections', () => {
  const customers = '/crm/v2/tenant/1/customers';

  it('refuses a caller a call beyond its share of the connections (a quarter), without reaching the upstream', async () => {
    const raw = await rawUpstream((socket, arrival) => {
      if (arrival > 1) socket.end(OK_RESPONSE); // the first call hangs
    });
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`, { connections: 4 });
    const client = new AbortController();

    const held = upstream.send({ ...get(customers), caller: who('a'), signal: client.signal });
    await expect.poll(() => raw.arrivals()).toBe(1);
    expect(await upstream.send({ ...get(customers), caller: who('a') })).toEqual({
      ok: false,
      status: 429,
      error: 'rate_limited',
      description: 'Too many calls in flight to the CRM service for this app and tenant; try again in 1 s.',
      retryAfterSeconds: 1,
    });
    expect(raw.arrivals()).toBe(1);
    expect(await bodyOf(await upstream.send({ ...get(customers), caller: who('b') }))).toBe('ok');

    client.abort();
    await held;
    expect(await bodyOf(await upstream.send({ ...get(customers), caller: who('a') }))).toBe('ok');
    expect(upstream.health()).toMatchObject({ calls: 3, inFlight: 0, circuit: 'closed' });
  });

  it('refuses an app a call beyond its share of the connections (a half), whichever of its tenants it is for', async () => {
    const raw = await rawUpstream((socket, arrival) => {
      if (arrival > 2) socket.end(OK_RESPONSE); // the first two calls hang
    });
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`, { connections: 4 });
    const client = new AbortController();
    const signal = client.signal;

    const held = [
      upstream.send({ ...get(customers), caller: who('a', 'a:1'), signal }),
      upstream.send({ ...get(customers), caller: who('a', 'a:2'), signal }),
    ];
    await expect.poll(() => raw.arrivals()).toBe(2);
    expect(await upstream.send({ ...get(customers), caller: who('a', 'a:3') })).toEqual({
      ok: false,
      status: 429,
      error: 'rate_limited',
      description: 'Too many calls in flight to the CRM service for this app; try again in 1 s.',
      retryAfterSeconds: 1,
    });
    expect(raw.arrivals()).toBe(2);
    expect(await bodyOf(await upstream.send({ ...get(customers), caller: who('b') }))).toBe('ok');

    client.abort();
    await Promise.all(held);
    expect(await bodyOf(await upstream.send({ ...get(customers), caller: who('a', 'a:3') }))).toBe('ok');
    expect(upstream.health()).toMatchObject({ inFlight: 0, circuit: 'closed' });
  });

  it('answers 504 to a call that waited for a free connection as long as the timeout, counting from when it was sent', async () => {
    const raw = await rawUpstream((socket, arrival) => {
      if (arrival > 1) socket.end(OK_RESPONSE);
    });
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`, { connections: 1, timeoutMs: 400 });
    // A body that never ends holds the only connection: undici waits for its end to start its own timeout.
    const neverEnding = new Readable({ read() {} });
    neverEnding.push('{"partial":');
    const holder = new AbortController();
    const held = upstream.send({
      method: 'POST',
      path: customers,
      headers: { 'content-type': 'application/json' },
      body: neverEnding,
      signal: holder.signal,
    });
    await expect.poll(() => raw.arrivals()).toBe(1);

    const started = Date.now();
    const queued = await upstream.send(get(customers));

    expect(queued).toMatchObject({ ok: false, status: 504, error: 'gateway_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(raw.arrivals()).toBe(1);
    holder.abort();
    await held;
    expect(upstream.health()).toMatchObject({ inFlight: 0, failures: 1 });
    // The connection is free now, but the call given up on is never sent.
    await sleep(100);
    expect(raw.arrivals()).toBe(1);
  });
});

describe('Upstream: one retry', () => {
  /** The first connection breaks as the request arrives; later ones answer. */
  const breaksFirst = (socket: net.Socket, arrival: number) =>
    arrival === 1 ? socket.destroy() : socket.end(OK_RESPONSE);

  it.each(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT'])(
    'sends an idempotent %s without a body again when its connection broke',
    async (method) => {
      const raw = await rawUpstream(breaksFirst);
      const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`);

      const answer = await upstream.send({
        method,
        path: '/crm/v2/tenant/1/customers',
        headers: {},
        body: null,
      });

      expect(answer).toMatchObject({ ok: true, status: 200 });
      if (answer.ok) await text(answer.body);
      expect(raw.arrivals()).toBe(2);
      expect(upstream.health()).toMatchObject({ calls: 1, failures: 0, consecutiveFailures: 0 });
    },
  );

  it.each([
    ['POST', null],
    ['PATCH', null],
    ['POST', 'a body'],
    ['PUT', 'a body'],
    ['DELETE', 'a body'],
  ])('does not send %s (body: %s) again', async (method, body) => {
    const raw = await rawUpstream(breaksFirst);
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`);

    const answer = await upstream.send({
      method,
      path: '/crm/v2/tenant/1/customers',
      headers: body ? { 'content-type': 'text/plain' } : {},
      body: body ? Readable.from([Buffer.from(body)]) : null,
    });

    expect(answer).toMatchObject({ ok: false, status: 502 });
    expect(raw.arrivals()).toBe(1);
  });

  it('tries a second time only: two broken connections make a 502 and one failure', async () => {
    const raw = await rawUpstream((socket) => socket.destroy());
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`);

    expect(await upstream.send(get('/crm/v2/tenant/1/customers'))).toMatchObject({ status: 502 });
    expect(raw.arrivals()).toBe(2);
    expect(upstream.health()).toMatchObject({ calls: 1, failures: 1, consecutiveFailures: 1 });
  });

  it('does not send again once the headers arrived, even if the body breaks', async () => {
    const raw = await rawUpstream((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial', () => socket.destroy()),
    );
    const upstream = upstreamFor(`http://127.0.0.1:${raw.port}`);

    const answer = await upstream.send(get('/crm/v2/tenant/1/customers'));

    expect(answer).toMatchObject({ ok: true, status: 200 });
    await expect(bodyOf(answer)).rejects.toThrow();
    expect(raw.arrivals()).toBe(1);
    expect(upstream.health()).toMatchObject({ circuit: 'closed', failures: 1, inFlight: 0 });
    expect(upstream.health().lastError).not.toBeNull();
  });
});

describe('Upstream: streaming', () => {
  it('streams a 50 MB answer through without holding it in memory', async () => {
    const size = 50 * 1024 * 1024;
    const { port } = await startUpstream((app) => {
      app.get('/crm/v2/tenant/1/export', (_request, reply) => {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let produced = 0;
        const stream = new Readable({
          read() {
            if (produced >= size) return void this.push(null);
            produced += chunk.length;
            this.push(chunk);
          },
        });
        return reply.header('content-type', 'application/octet-stream').send(stream);
      });
    });
    const upstream = upstreamFor(`http://127.0.0.1:${port}`);
    // Collected garbage is not held memory: collect as the body streams, then only what is kept counts.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakArrayBuffers = before.arrayBuffers;

    const answer = await upstream.send(get('/crm/v2/tenant/1/export'));
    if (!answer.ok) throw new Error(`expected an answer, got ${answer.status}`);
    let received = 0;
    let sinceCheck = 0;
    for await (const part of answer.body) {
      received += (part as Buffer).length;
      sinceCheck += (part as Buffer).length;
      if (sinceCheck >= 4 * 1024 * 1024) {
        sinceCheck = 0;
        gc();
        const now = process.memoryUsage();
        peakRss = Math.max(peakRss, now.rss);
        peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
      }
    }

    expect(received).toBe(size);
    expect((peakArrayBuffers - before.arrayBuffers) / 1024 / 1024).toBeLessThan(20);
    expect((peakRss - before.rss) / 1024 / 1024).toBeLessThan(20);
    expect(upstream.health().inFlight).toBe(0);
  });
});

describe('Upstreams', () => {
  it('holds one upstream per configured area and shows their health and the route rules in config order', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-')), 'gateway.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        upstreams: { jpm: 'http://127.0.0.1:1/jobs', crm: { url: 'http://127.0.0.1:2', timeoutMs: 500 } },
        routes: [
          { method: 'POST', path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'deny' },
          { path: '/jpm/v2/tenant/{tenant}/jobs/**', scope: 'tn.jpm.jobs:r' },
        ],
      }),
    );
    const upstreams = new Upstreams(readGatewayConfig({ file }));
    cleanups.push(() => upstreams.close());

    expect(upstreams.get('crm')?.config.timeoutMs).toBe(500);
    expect(upstreams.get('accounting')).toBeUndefined();
    const view = upstreams.view();
    expect(view.upstreams.map((u) => [u.area, u.areaName, u.url, u.circuit])).toEqual([
      ['jpm', 'Job Planning', 'http://127.0.0.1:1/jobs', 'closed'],
      ['crm', 'CRM', 'http://127.0.0.1:2', 'closed'],
    ]);
    expect(view.routes).toEqual([
      { methods: ['POST'], path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: null },
      { methods: null, path: '/jpm/v2/tenant/{tenant}/jobs/**', scope: 'tn.jpm.jobs:r' },
    ]);
  });
});
