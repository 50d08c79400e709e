import type net from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { SCOPE_CATALOG } from '@gatehouse/domain';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamConfig } from './config';
import { Upstream, type UpstreamAnswer } from './upstream';

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

function get(path: string, headers: Record<string, string> = {}) {
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
