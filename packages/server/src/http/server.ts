import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../auth/sessions';
import { createContextInner } from '../context';
import type { Database } from '../db/orm';
import { paths } from '../env';
import { portalResponseMeta, unavailableInPortal } from '../errors';
import { type GatewayConfig, NO_GATEWAY } from '../gateway/config';
import { Upstreams } from '../gateway/upstream';
import { AccessState } from '../oauth/access-state';
import { loadSigningKeys } from '../oauth/keys';
import { TokenSigner } from '../oauth/signer';
import { issuerNames } from '../oauth/tokens';
import type { ServerMetrics } from '../ops/metrics';
import { operations } from '../ops/operations';
import type { Readiness } from '../ops/readiness';
import { type RequestLogOptions, RequestLogWriter } from '../requests/log-writer';
import type { FailureLimiter, RateLimiter } from '../resource-api/rate-limit';
import { rateLimiters } from '../resource-api/shared-rate-limit';
import { ResourceStore } from '../resource-api/store';
import { type AppRouter, appRouter } from '../root';
import { UsageRecorder } from '../usage/recorder';
import { startWebhooks, type WebhookOptions } from '../webhooks/runtime';
import { auditExport } from './audit-export';
import { ownRequestId, RequestLog, requestIdOf, serializeError } from './log';
import { sendProblem } from './problem';
import { restEdge } from './rest-edge';
import { securityHeaders } from './security-headers';

/** The API runtime's moving parts, reachable from tests and benchmarks. */
export interface Runtime {
  state: AccessState;
  usage: UsageRecorder;
  limiter: RateLimiter;
  failures: FailureLimiter;
  metrics: ServerMetrics;
  readiness: Readiness;
  /** Gateway mode's upstreams on this instance (none configured without it). */
  gateway: Upstreams;
  /** The request log's writer: `flush()` writes what is buffered. */
  requestLog: RequestLogWriter;
}

declare module 'fastify' {
  interface FastifyInstance {
    runtime: Runtime;
  }
}

export interface ServerOptions {
  db: Database;
  logLevel?: string;
  /** Send the session cookie with `Secure` (behind HTTPS). */
  secureCookies?: boolean;
  /** Built SPAs to serve; missing folders are skipped (API-only tests). */
  developerPortalDist?: string;
  adminConsoleDist?: string;
  /**
   * Base URL of token issuers and audiences and of the OAuth metadata (`PUBLIC_URL`). Without it, the
   * address the server listens on once it does (`http://localhost` until then); never a request's Host.
   */
  publicUrl?: string;
  /** Where the log goes instead of standard output (tests read it). */
  logStream?: { write(line: string): void };
  /** Proxies whose X-Forwarded-For gives the client address (`TRUST_PROXY`); by default nobody's. */
  trustProxy?: number | string[];
  /** Share the rate limit between instances through Redis. */
  redisUrl?: string;
  /** How often counted usage is written (0: only on `runtime.usage.flush()`). */
  usageFlushMs?: number;
  /** Failed authentications allowed per client address and window (default FAILURE_LIMIT). */
  failureLimit?: { calls: number; windowMs: number };
  /**
   * The portals' origin (`PUBLIC_URL`'s): a mutation that names its Origin must name this one. Unset, the
   * request's own scheme and host (X-Forwarded-Proto and -Host only from trusted proxies).
   */
  portalOrigin?: string;
  /** Serve `GET /metrics` on this address of its own (`METRICS_PORT`); unset, they are counted, not served. */
  metricsAt?: { host: string; port: number };
  /** One log line per answered request (`ACCESS_LOG=1`). */
  accessLog?: boolean;
  /** Gateway mode: the areas proxied to the platform's own services (see gateway/config.ts); none by default. */
  gateway?: GatewayConfig;
  /** The request log: on, written every second, kept REQUEST_LOG_DAYS, unless told otherwise. */
  requestLog?: RequestLogOptions;
  /** Webhook delivery on this instance (on unless `enabled: false`); `allowLoopback` for the embedded demo only. */
  webhooks?: WebhookOptions;
}

/** The base URL of a listening server: its bound address, `localhost` for a wildcard one. */
function listeningUrl(address: ReturnType<FastifyInstance['server']['address']>): string | undefined {
  if (!address || typeof address === 'string') return undefined;
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? 'localhost'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

/** Header every tRPC call must carry: a cross-site form or image cannot set it without a CORS preflight we never grant. */
export const CSRF_HEADER = 'x-gatehouse-csrf';

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      redact: ['req.headers.cookie', 'req.headers.authorization'],
      serializers: { err: serializeError },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new RequestLog(options.accessLog ?? false),
    genReqId: requestIdOf,
    // A hop count trusts that many proxies in front, as proxy-addr counts them.
    trustProxy:
      typeof options.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (options.trustProxy as number)
        : (options.trustProxy ?? false),
    bodyLimit: 1024 * 1024,
    // Long path parameters reach the routes, whose schemas answer a plain 404 rather than Fastify's 414.
    routerOptions: { maxParamLength: 500 },
  });

  // Every reply has the field from the start (the request log reads it), rather than some gaining it later.
  app.decorateReply('problemCode', null);

  // Every response, pages and API alike: a plain copy of headers worked out once (see security-headers.ts).
  const headers = securityHeaders({ https: options.secureCookies ?? false });
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    // A client that named its call gets its own id back, and Gatehouse's beside it.
    if (request.headers['x-request-id'] !== undefined)
      reply.header('gatehouse-request-id', ownRequestId(request));
    // Draining: the connection closes after this answer instead of waiting idle for the next request.
    if (app.runtime.readiness.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });

  // Set before any plugin so that it covers every route, the tRPC ones included.
  app.setErrorHandler<Error & { statusCode?: number }>((error, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    reply.code(status).send({ error: status === 500 ? 'Internal Server Error' : error.message });
  });

  const state = new AccessState(options.db, await loadSigningKeys(options.db.em()));
  const { metrics, readiness } = await operations(app, { ...options, state });
  const usage = new UsageRecorder(options.db, options.usageFlushMs ?? 2000, app.log, metrics.usageFlush);
  const requestLog = new RequestLogWriter(options.db, options.requestLog, app.log, metrics.requestLogDropped);
  const signer = new TokenSigner(app.log);
  const { limiter, failures } = await rateLimiters({
    ...options,
    log: app.log,
    onFallback: metrics.rateLimitFallback,
  });
  state.issuer = issuerNames(options.publicUrl ?? 'http://localhost');
  if (!options.publicUrl) {
    app.addHook('onListen', (done) => {
      const url = listeningUrl(app.server.address());
      if (url) state.issuer = issuerNames(url);
      done();
    });
  }
  const gateway = options.gateway ?? NO_GATEWAY;
  const upstreams = new Upstreams(gateway);
  app.decorate('runtime', {
    state,
    usage,
    limiter,
    failures,
    metrics,
    readiness,
    gateway: upstreams,
    requestLog,
  });
  const stopWatching = await options.db.feed.start(app.log);
  const stopWebhooks = await startWebhooks(options.db, options.webhooks ?? {}, app.log);
  app.addHook('onClose', async () => {
    await stopWebhooks();
    await stopWatching();
    await signer.close();
    await usage.close();
    await requestLog.close();
    await limiter.close();
    await failures.close();
    await upstreams.close();
  });

  await app.register(restEdge, {
    db: options.db,
    state,
    usage,
    requestLog,
    signer,
    limiter,
    failures,
    store: new ResourceStore(options.db),
    gateway: { config: gateway, upstreams },
  });

  // The portals' API: sessions by cookie, and mutations only from our own pages. Both live in this
  // scope alone, so the OAuth endpoints and the resource API never pay for them.
  await app.register(async (portal) => {
    await portal.register(fastifyCookie);
    portal.addHook('onRequest', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      const origin = request.headers.origin;
      const sameOrigin =
        !origin || origin === (options.portalOrigin ?? `${request.protocol}://${request.host}`);
      if (request.headers[CSRF_HEADER] !== '1' || !sameOrigin) {
        return reply.code(403).send({ error: { message: 'Cross-site request refused.' } });
      }
      if (!request.headers['content-type']?.startsWith('application/json')) {
        return reply.code(415).send({ error: { message: 'Send JSON.' } });
      }
    });
    await portal.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: ({ req, res }) =>
          createContextInner({
            db: options.db,
            gateway: upstreams,
            allowWebhookLoopback: options.webhooks?.allowLoopback ?? false,
            accessTokens: state,
            sessionToken: req.cookies[SESSION_COOKIE] ?? null,
            clientIp: req.ip,
            log: req.log,
            cookie: {
              set: (token, expiresAt) =>
                res.setCookie(SESSION_COOKIE, token, {
                  path: '/',
                  httpOnly: true,
                  sameSite: 'lax',
                  secure: options.secureCookies ?? false,
                  expires: expiresAt,
                }),
              clear: () => res.clearCookie(SESSION_COOKIE, { path: '/' }),
            },
          }),
        responseMeta: portalResponseMeta,
        onError: ({ error, path: procedure, req }) => {
          // serializeError keeps SQL text and values out of the line; an outage is a warning, not a fault.
          if (error.code === 'INTERNAL_SERVER_ERROR')
            if (unavailableInPortal(error)) req.log.warn({ procedure }, 'database unavailable');
            else req.log.error({ err: error.cause ?? error, procedure }, 'procedure failed');
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
    await portal.register(auditExport, { db: options.db });
  });

  // The built SPAs: the admin console under /admin/, the developer portal at /. Missing builds are skipped (API-only tests).
  const spas = [
    { prefix: '/admin/', root: options.adminConsoleDist ?? paths.adminConsoleDist },
    { prefix: '/', root: options.developerPortalDist ?? paths.developerPortalDist },
  ].filter((spa) => fs.existsSync(path.join(spa.root, 'index.html')));
  for (const [index, spa] of spas.entries()) {
    // Source maps are never served, should a build have made them (SOURCEMAP=1 asks vite for them when debugging).
    await app.register(fastifyStatic, {
      root: spa.root,
      prefix: spa.prefix,
      wildcard: false,
      index: ['index.html'],
      decorateReply: index === 0,
      allowedPath: (file) => !file.endsWith('.map'),
    });
  }
  if (spas.some((spa) => spa.prefix === '/admin/'))
    app.get('/admin', (_request, reply) => reply.redirect('/admin/'));
  // Client-side routes of an SPA load its index page; API paths never do, they answer a JSON 404: those of
  // the portals' API, the REST edge's environments, and an unknown environment's (`/staging/connect/…`).
  const apiPath =
    /^\/(trpc|exports|integration|production|healthz|readyz|\.well-known)(\/|$)|^\/[^/]+\/(api|connect|\.well-known)(\/|$)/;
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    const spa =
      request.method === 'GET' && !apiPath.test(pathname) && !path.extname(pathname)
        ? spas.find((s) => pathname.startsWith(s.prefix))
        : undefined;
    if (spa) return reply.type('text/html').sendFile('index.html', spa.root);
    return sendProblem(reply, { status: 404, error: 'not_found', description: 'No such endpoint.' });
  });

  return app;
}
