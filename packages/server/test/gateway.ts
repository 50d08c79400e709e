import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '@gatehouse/domain';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Dialect } from '../src/db/orm';
import { type GatewayConfig, gatewayFileSchema, resolveGateway } from '../src/gateway/config';
import { ADMIN, ADMIN2, type Caller, DEV, openTestDatabase, type TestDatabase } from './harness';
import { type ConnectedParty, connectApp, fetchToken, listen, portalClient } from './http-client';

/** Glendale Plumbing, where the gateway tests' apps are connected. */
export const T1 = '985798691';
/** Another demo tenant: its tokens must never open T1's data. */
export const T2 = '100200300';

/** A path of the CRM area in the integration environment, as a client calls it. */
export const crmPath = (rest: string, tenant = T1) => `/integration/api/crm/v2/tenant/${tenant}/${rest}`;

/** The gateway configuration an operator's file would give: `json` is what the file holds. */
export function gatewayConfig(json: unknown): GatewayConfig {
  return resolveGateway(gatewayFileSchema.parse(json));
}

/** A call as it reached the upstream, once its body was read in full. */
export interface Arrival {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
  sha256: string;
}

/** The size of a `…/big` answer: far beyond anything the gateway may hold in memory. */
export const BIG = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'g');

export interface UpstreamOptions {
  /** Listen on this port, to come back where a stopped upstream was. */
  port?: number;
  /** How long `…/slow` takes to answer: longer than the gateway's timeout for the upstream. */
  slowMs?: number;
  /** The status of an ordinary POST's answer (a create's 201, or 200 like any other call). */
  postStatus?: number;
  /**
   * A test file's own routes, asked once the call is recorded: an answer (or the reply, once sent by hand),
   * or undefined for the routes every upstream has.
   */
  answer?: (request: FastifyRequest, reply: FastifyReply) => unknown;
}

export interface RecordingUpstream {
  /** Every call that reached it, in order. */
  arrivals: Arrival[];
  /** The `…/big` answers whose connection closed before the last byte was written. */
  cutShort: string[];
  /** Bytes of `…/big` answers made so far: what the gateway could be holding is this less what was read. */
  made: { bytes: number };
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The platform's own service, as a real HTTP server: it records every call whose body it read, with a digest
 * of that body, and answers `…/fail` with 500, `…/slow` too late, `…/big` with 50 MB made as they are read,
 * anything else with what it received and headers the gateway must pass on (`x-upstream`) or replace
 * (`x-ratelimit-limit`).
 */
export async function recordingUpstream(options: UpstreamOptions = {}): Promise<RecordingUpstream> {
  const { slowMs = 2500, postStatus = 200 } = options;
  const arrivals: Arrival[] = [];
  const cutShort: string[] = [];
  const made = { bytes: 0 };
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of request.raw) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      const { method, url, headers } = request;
      arrivals.push({ method, url, headers, bytes, sha256: hash.digest('hex') });
      const own = await options.answer?.(request, reply);
      if (own !== undefined) return own;
      if (url.endsWith('/fail')) return reply.code(500).send({ upstream: 'failed' });
      if (url.endsWith('/slow')) {
        await sleep(slowMs);
        return { upstream: 'late' };
      }
      if (url.endsWith('/big')) {
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) cutShort.push(url);
        });
        let left = BIG / CHUNK.length;
        const body = new Readable({
          read() {
            if (left-- > 0) made.bytes += CHUNK.length;
            this.push(left >= 0 ? CHUNK : null);
          },
        });
        return reply.type('application/octet-stream').header('content-length', BIG).send(body);
      }
      return reply
        .code(method === 'POST' ? postStatus : 200)
        .header('x-upstream', 'yes')
        .header('x-ratelimit-limit', '999')
        .send({ upstream: 'ok', method, url, bytes });
    },
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;
  return { arrivals, cutShort, made, port, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** A port nothing listens on: bound once by the system, then let go. */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The JSON answer parsed, the text where it is not JSON, null when empty. */
  body: any;
  /** How long the answer took, from the call to its last byte. */
  ms: number;
}

/**
 * One call on a connection of its own, with exactly this path on the wire: fetch would resolve `..`, `%2e`
 * and `\` before sending, and a shared connection would let one call's fate touch the next.
 */
export function call(
  base: string,
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer } = {},
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const request = http.request(base, {
      method: options.method ?? 'GET',
      headers: options.body ? { ...options.headers, 'content-length': options.body.length } : options.headers,
      agent: false,
    });
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
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body,
          ms: Date.now() - started,
        });
      });
    });
    request.end(options.body);
  });
}

/** A connection of a test app with a token of its own. */
export interface Party extends ConnectedParty {
  token: string;
}

/** The headers that make a client's call its party's. */
export const credentials = (party: { token: string; appKey: string }) => ({
  authorization: `Bearer ${party.token}`,
  'st-app-key': party.appKey,
});

/** The demo developer and the admins of T1 and T2, signed in: who makes and connects a party's app. */
export async function partyCallers(t: TestDatabase) {
  const [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
  return { dev, admin, admin2 };
}

/**
 * Makes apps that call the gateway at `url`: each a new app of `dev`'s offered to T1 and T2, connected in T1
 * for integration and wherever else asked (by `admin` in T1, `admin2` elsewhere), with a token for each
 * connection, in that order. Apps are named `name 1`, `name 2`…
 */
export function partyFactory(
  url: string,
  callers: { dev: Caller; admin: Caller; admin2: Caller },
  name = 'Gateway caller',
) {
  let apps = 0;
  return async function party(
    scopes: string[],
    where: { tenant: string; env: Environment }[] = [],
  ): Promise<[Party, ...Party[]]> {
    const places = [{ tenant: T1, env: 'integration' as const }, ...where];
    const { parties } = await connectApp(
      callers.dev,
      (tenant) => (tenant === T1 ? callers.admin : callers.admin2),
      { name: `${name} ${++apps}`, tenantIds: [T1, T2], scopes },
      places,
    );
    const [first, ...rest] = await Promise.all(
      parties.map(async (connected, index) => {
        const { body } = await fetchToken(
          url,
          places[index]!.env,
          connected.clientId,
          connected.clientSecret,
        );
        return { ...connected, token: body.access_token as string };
      }),
    );
    return [first!, ...rest];
  };
}

/** The demo developer's usage report for an app, once the server has written what it counted. */
export async function usageLines(server: Awaited<ReturnType<typeof listen>>, appId: string) {
  await server.app.runtime.usage.flush();
  const developer = portalClient(server.url);
  await developer.signIn(DEV);
  const report = await developer.query('apps.usage', { appId, days: 1 });
  return report.lines as {
    tenantId: string;
    environment: string;
    endpoint: string;
    calls: Record<string, number>;
  }[];
}

/** A test's whole set-up: a database, a recording CRM upstream, and Gatehouse in gateway mode in front of it. */
export interface GatewayRig {
  t: TestDatabase;
  crm: RecordingUpstream;
  server: Awaited<ReturnType<typeof listen>>;
  close(): Promise<void>;
}

/**
 * Starts a rig: `upstream` starts the CRM service, `config` gives the gateway's configuration for the URL it
 * got (`gatewayConfig`'s JSON), `options` the server's other options.
 */
export async function gatewayRig(
  dialect: Dialect,
  upstream: () => Promise<RecordingUpstream>,
  config: (crmUrl: string) => unknown,
  options: Omit<NonNullable<Parameters<typeof listen>[1]>, 'gateway'> = {},
): Promise<GatewayRig> {
  const t = await openTestDatabase(dialect);
  const crm = await upstream();
  const server = await listen(t, { ...options, gateway: gatewayConfig(config(crm.url)) });
  return {
    t,
    crm,
    server,
    async close() {
      await server.close();
      await crm.close();
      await t.close();
    },
  };
}
