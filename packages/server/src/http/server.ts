import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { Database } from '../db/orm';
import { createContextInner } from '../context';
import { appRouter, type AppRouter } from '../root';
import { SESSION_COOKIE } from '../auth/sessions';
import { paths } from '../env';

export interface ServerOptions {
  db: Database;
  logLevel?: string;
  /** Send the session cookie with `Secure` (behind HTTPS). */
  secureCookies?: boolean;
  /** Built SPAs to serve; missing folders are skipped (API-only tests). */
  developerPortalDist?: string;
  adminConsoleDist?: string;
}

/** Header every tRPC call must carry: a cross-site form or image cannot set it without a CORS preflight we never grant. */
export const CSRF_HEADER = 'x-gatehouse-csrf';

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info', redact: ['req.headers.cookie', 'req.headers.authorization'] },
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
  });

  await app.register(fastifyCookie);

  // Mutations must come from our own pages: custom header, and a same-origin Origin when the browser sends one.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/trpc') || request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    const origin = request.headers.origin;
    const sameOrigin = !origin || origin === `${request.protocol}://${request.headers.host}`;
    if (request.headers[CSRF_HEADER] !== '1' || !sameOrigin) {
      return reply.code(403).send({ error: { message: 'Cross-site request refused.' } });
    }
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req, res }) =>
        createContextInner({
          db: options.db,
          sessionToken: req.cookies[SESSION_COOKIE] ?? null,
          clientIp: req.ip,
          cookie: {
            set: (token, expiresAt) =>
              res.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secureCookies ?? false, expires: expiresAt }),
            clear: () => res.clearCookie(SESSION_COOKIE, { path: '/' }),
          },
        }),
      onError: ({ error, path: procedure }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, procedure }, 'procedure failed');
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });

  // The built SPAs: the admin console under /admin/, the developer portal at /. Missing builds are skipped (API-only tests).
  const spas = [
    { prefix: '/admin/', root: options.adminConsoleDist ?? paths.adminConsoleDist },
    { prefix: '/', root: options.developerPortalDist ?? paths.developerPortalDist },
  ].filter((spa) => fs.existsSync(path.join(spa.root, 'index.html')));
  for (const [index, spa] of spas.entries()) {
    await app.register(fastifyStatic, { root: spa.root, prefix: spa.prefix, wildcard: false, index: ['index.html'], decorateReply: index === 0 });
  }
  if (spas.some((spa) => spa.prefix === '/admin/')) app.get('/admin', (_request, reply) => reply.redirect('/admin/'));
  // Client-side routes of an SPA all load its index page.
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    const spa = request.method === 'GET' && !pathname.startsWith('/trpc') && !path.extname(pathname) ? spas.find((s) => pathname.startsWith(s.prefix)) : undefined;
    if (spa) return reply.type('text/html').sendFile('index.html', spa.root);
    return reply.code(404).send({ error: 'Not Found' });
  });

  app.setErrorHandler<Error & { statusCode?: number }>((error, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    reply.code(status).send({ error: status === 500 ? 'Internal Server Error' : error.message });
  });

  return app;
}
