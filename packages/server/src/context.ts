import type { EntityManager } from '@mikro-orm/knex';
import type { FastifyBaseLogger } from 'fastify';
import { type SessionUser, userForSession } from './auth/sessions';
import type { Database } from './db/orm';
import { type GatewayHealthSource, NO_GATEWAY_HEALTH } from './gateway/health';
import type { TokenIssuing } from './services/apps/integration-token';

/** How a procedure sets or clears the session cookie, whatever carries the request. */
export interface SessionCookie {
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

/** Where a procedure reports a failure its answer does not show. */
export type ContextLog = Pick<FastifyBaseLogger, 'error'>;

export interface ContextOptions {
  db: Database;
  sessionToken: string | null;
  clientIp?: string;
  cookie?: SessionCookie;
  /** The request's logger; a context built without a request logs nothing. */
  log?: ContextLog;
  /** The gateway's upstreams and their health on this instance (none without gateway mode). */
  gateway?: GatewayHealthSource;
  /** Webhook endpoints may point at `localhost` (the embedded demo only); refused by default. */
  allowWebhookLoopback?: boolean;
  /** What signs access tokens on this instance, for the portal's integration tokens (none: the portal issues none). */
  accessTokens?: TokenIssuing;
}

export interface Context {
  db: Database;
  em: EntityManager;
  sessionToken: string | null;
  clientIp: string;
  cookie: SessionCookie;
  log: ContextLog;
  gateway: GatewayHealthSource;
  allowWebhookLoopback: boolean;
  accessTokens: TokenIssuing | null;
  /** The signed-in user, looked up once per request. */
  user(): Promise<SessionUser | null>;
}

const noCookie: SessionCookie = { set() {}, clear() {} };
const noLog: ContextLog = { error() {} };

/** Builds a context without an HTTP request: the server adapter and the tests both start here. */
export function createContextInner(options: ContextOptions): Context {
  const em = options.db.em();
  let user: Promise<SessionUser | null> | undefined;
  return {
    db: options.db,
    em,
    sessionToken: options.sessionToken,
    clientIp: options.clientIp ?? 'local',
    cookie: options.cookie ?? noCookie,
    log: options.log ?? noLog,
    gateway: options.gateway ?? NO_GATEWAY_HEALTH,
    allowWebhookLoopback: options.allowWebhookLoopback ?? false,
    accessTokens: options.accessTokens ?? null,
    user: () => (user ??= userForSession(em, options.sessionToken)),
  };
}
