import http, { type IncomingHttpHeaders } from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  type TestDatabase,
} from '#test/harness';
import { connectApp, fetchToken, listen } from '#test/http-client';
import { gatewayFileSchema, resolveGateway } from './config';

const T1 = '985798691';
const T2 = '100200300';
/** The upstream's timeout: also how long a client may keep the gateway waiting for its body or its reading. */
const TIMEOUT_MS = 600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Arrival {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * The platform's own service, as a real HTTP server: it records every call whose body it read in full, and
 * answers `…/slow` too late, `…/big` with 50 MB made as they are read, `…/moved?to=…` with that Location.
 */
async function startUpstream() {
  const arrivals: Arrival[] = [];
  const cutShort: string[] = [];
  const app: FastifyInstance = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      for await (const _chunk of request.raw);
      const { method, url, headers } = request;
      arrivals.push({ method, url, headers });
      if (url.endsWith('/slow')) {
        await sleep(TIMEOUT_MS * 3);
        return { upstream: 'late' };
      }
      if (url.endsWith('/big')) {
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) cutShort.push(url);
        });
        const chunk = Buffer.alloc(64 * 1024, 'g');
        let left = 800;
        const body = new Readable({
          read() {
            this.push(left-- > 0 ? chunk : null);
          },
        });
        return reply.type('application/octet-stream').send(body);
      }
      const moved = new URL(url, 'http://upstream').searchParams.get('to');
      if (moved) return reply.code(303).header('location', moved).send();
      return { upstream: 'ok', method, url };
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;
  return { app, arrivals, cutShort, url: `http://127.0.0.1:${port}` };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
  ms: number;
}

/** One call on a connection of its own, and how long its answer took. */
function call(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { ...options, agent: false });
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
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body,
          ms: Date.now() - started,
        });
      });
    });
    request.end();
  });
}

const credentials = (party: { token: string; appKey: string }) => ({
  authorization: `Bearer ${party.token}`,
  'st-app-key': party.appKey,
});

describe.each(dialects)('gateway mode against abuse on %s', (dialect) => {
  let t: TestDatabase;
  let crm: Awaited<ReturnType<typeof startUpstream>>;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Caller;
  let admin: Caller;
  let admin2: Caller;
  let apps = 0;

  /** A new app connected in T1 for integration, with a token. */
  async function party(scopes = ['tn.crm.customers:r', 'tn.crm.customers:w']) {
    const { parties } = await connectApp(
      dev,
      (tenant) => (tenant === T1 ? admin : admin2),
      { name: `Abusive caller ${++apps}`, tenantIds: [T1, T2], scopes },
      [{ tenant: T1, env: 'integration' }],
    );
    const connected = parties[0]!;
    const { body } = await fetchToken(server.url, 'integration', connected.clientId, connected.clientSecret);
    return { ...connected, token: body.access_token as string };
  }

  const crmPath = (rest: string) => `/integration/api/crm/v2/tenant/${T1}/${rest}`;
  const health = () => server.app.runtime.gateway.view().upstreams.find((u) => u.area === 'crm')!;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    crm = await startUpstream();
    const gateway = resolveGateway(
      gatewayFileSchema.parse({
        upstreams: {
          crm: {
            url: `${crm.url}/base`,
            timeoutMs: TIMEOUT_MS,
            connections: 2,
            breaker: { failures: 3, cooldownMs: 5_000 },
          },
        },
      }),
    );
    server = await listen(t, { gateway, publicUrl: 'https://api.gatehouse.example' });
    [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
  });
  afterAll(async () => {
    await server?.close();
    await crm?.app.close();
    await t?.close();
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
