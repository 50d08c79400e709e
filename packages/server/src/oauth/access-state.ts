import { APP_ACCESS_ENDED, type Environment } from '@gatehouse/domain';
import { LRUCache } from 'lru-cache';
import { ReadThroughCache } from '../cache';
import { App, AppVersion, ClientSecret, Connection, RevokedToken } from '../db/entities';
import type { Database } from '../db/orm';
import type { FeedEvent } from '../events/feed';
import type { SigningKeys } from './keys';
import { type GrantFormat, signatureOf, type VerifiedToken } from './token-format';
import { type IssuerNames, issuerNames, verifyAccessToken } from './tokens';

/**
 * Entries are dropped by the change feed (src/events/): each event drops only
 * what it touches, on every instance within a second, so disabling a
 * connection, revoking a secret or token, or deleting an app takes effect at
 * once while every other entry stays warm. The TTL is only a backstop for a
 * change made behind the server's back (by hand in the database). Long enough
 * that a steady load reloads next to nothing, and each entry's life is spread
 * over its second half (see cache.ts).
 */
export const STATE_TTL_MS = 10 * 60_000;

export interface ClientRecord {
  connectionId: string;
  clientId: string;
  appId: string;
  tenantId: string;
  environment: Environment;
  /** Connected, on a live app: may get tokens. */
  active: boolean;
  scopesInPlay: string[];
  /** Digests decoded once at load, so a token request compares bytes without re-decoding hex. */
  secrets: { id: string; hash: Buffer; expiresAt: number | null; revoked: boolean }[];
  /** The token format per issuer, secret and scope, worked out on the first token (see token-endpoint.ts). */
  grants: Map<string, GrantFormat>;
}

export interface ConnectionRecord {
  appId: string;
  /** The app's key, which never changes: token status compares a key with it instead of looking the key up. */
  appKey: string;
  active: boolean;
  revokedJtis: ReadonlySet<string>;
  /** The accepted version's scopes: a token's scope claim counts only as far as these still grant it. */
  scopesInPlay: ReadonlySet<string>;
  /** The connection's live secrets, by id: when each stops working (epoch ms), null while it has no end. */
  liveSecrets: ReadonlyMap<string, number | null>;
}

export interface AppRecord {
  appId: string;
}

/**
 * What the token endpoint and the resource-API gate need from the database,
 * cached until a change touches it: warm, the hot paths read no database.
 * While the change feed has not heard from the database for a while (it is
 * away), cached entries are not trusted and every lookup goes to the
 * database, which refuses it until it returns.
 */
export class AccessState {
  private readonly clients = new ReadThroughCache<string, ClientRecord | null>(STATE_TTL_MS, 100_000);
  private readonly connections = new ReadThroughCache<string, ConnectionRecord | null>(STATE_TTL_MS, 100_000);
  private readonly apps = new ReadThroughCache<string, AppRecord | null>(STATE_TTL_MS, 100_000);
  /** The client id of each connection whose client was loaded: a connection's change drops its client too. */
  private readonly clientOfConnection = new LRUCache<string, string>({ max: 100_000 });
  /**
   * Verified tokens by their signature part, with the whole text to compare:
   * a signature is checked once, expiry and state on every call. Keying by the
   * 86-character signature instead of the whole token makes a lookup several
   * times cheaper; a token that reuses a known signature with other content
   * fails the comparison and goes through full verification.
   */
  private readonly verified = new LRUCache<string, { token: string; verified: VerifiedToken }>({
    max: 200_000,
  });

  /**
   * Who this instance issues tokens as: from configuration, never from a request. The server
   * sets it once it knows its public URL; the gate compares claims against these strings.
   */
  issuer: IssuerNames = issuerNames('http://localhost');

  constructor(
    private readonly db: Database,
    readonly keys: SigningKeys,
  ) {
    db.feed.subscribe((events) => {
      for (const event of events) this.forget(event);
    });
  }

  /** Drops what a change touched: its connection and client, or all of an app whose access ended. */
  private forget(event: FeedEvent): void {
    if (event.connectionId) {
      this.connections.delete(event.connectionId);
      const clientId = this.clientOfConnection.get(event.connectionId);
      if (clientId) this.clients.delete(clientId);
    }
    if (event.clientId) this.clients.delete(event.clientId);
    if (event.appId && APP_ACCESS_ENDED.has(event.type)) {
      const { appId } = event;
      this.apps.deleteWhere((app) => app?.appId === appId);
      this.clients.deleteWhere((client) => client?.appId === appId);
      this.connections.deleteWhere((connection) => connection?.appId === appId);
    }
  }

  /** Hits and misses of each cache, for the metrics. */
  cacheStats(): { cache: string; hits: number; misses: number }[] {
    return [
      { cache: 'clients', hits: this.clients.hits, misses: this.clients.misses },
      { cache: 'connections', hits: this.connections.hits, misses: this.connections.misses },
      { cache: 'apps', hits: this.apps.hits, misses: this.apps.misses },
      ...this.extraStats.map((stats) => stats()),
    ];
  }

  /** Other caches that hang on access state (the gate's proofs) report their counts here. */
  readonly extraStats: (() => { cache: string; hits: number; misses: number })[] = [];

  /** Whether cached entries may answer alone: the change feed has heard from the database lately. */
  current(now = Date.now()): boolean {
    return this.db.feed.current(now);
  }

  /** The client's record if it is cached (null: cached as unknown): the token endpoint's synchronous hit. */
  cachedClient(clientId: string): ClientRecord | null | undefined {
    return this.current() ? this.clients.peek(clientId) : undefined;
  }

  /** The connection's record if it is cached: how the gate knows a proof it remembers still stands. */
  cachedConnection(connectionId: string): ConnectionRecord | null | undefined {
    return this.connections.held(connectionId);
  }

  /** The app's record if it is cached, likewise. */
  cachedApp(appKey: string): AppRecord | null | undefined {
    return this.apps.held(appKey);
  }

  client(clientId: string): Promise<ClientRecord | null> {
    if (!this.current()) return this.loadClient(clientId);
    return this.clients.get(clientId, () => this.loadClient(clientId));
  }

  connection(connectionId: string): Promise<ConnectionRecord | null> {
    if (!this.current()) return this.loadConnection(connectionId);
    return this.connections.get(connectionId, () => this.loadConnection(connectionId));
  }

  appByKey(appKey: string): Promise<AppRecord | null> {
    if (!this.current()) return this.loadApp(appKey);
    return this.apps.get(appKey, () => this.loadApp(appKey));
  }

  async verify(token: string): Promise<VerifiedToken | null> {
    const known = this.verified.get(signatureOf(token));
    if (known !== undefined && known.token === token) return known.verified;
    const verified = await verifyAccessToken(this.keys, token);
    if (verified) this.verified.set(signatureOf(token), { token, verified });
    return verified;
  }

  private async loadClient(clientId: string): Promise<ClientRecord | null> {
    if (clientId.length > 64) return null;
    const em = this.db.em();
    const connection = await em.findOne(Connection, { clientId }, { populate: ['app'] });
    if (!connection) return null;
    this.clientOfConnection.set(connection.id, clientId);
    const [secrets, version] = await Promise.all([
      em.find(ClientSecret, { connection: connection.id }),
      connection.acceptedVersion
        ? em.findOne(AppVersion, { app: connection.app.id, number: connection.acceptedVersion })
        : null,
    ]);
    return {
      connectionId: connection.id,
      clientId,
      appId: connection.app.id,
      tenantId: connection.tenant.id,
      environment: connection.environment,
      active: connection.status === 'connected' && !connection.app.deletedAt,
      scopesInPlay: version?.scopes ?? [],
      secrets: secrets.map((s) => ({
        id: s.id,
        hash: Buffer.from(s.secretHash, 'hex'),
        expiresAt: s.expiresAt?.getTime() ?? null,
        revoked: Boolean(s.revokedAt),
      })),
      grants: new Map(),
    };
  }

  private async loadConnection(connectionId: string): Promise<ConnectionRecord | null> {
    const em = this.db.em();
    const connection = await em.findOne(Connection, { id: connectionId }, { populate: ['app'] });
    if (!connection) return null;
    const now = new Date();
    const [revoked, secrets, version] = await Promise.all([
      em.find(RevokedToken, { connection: connectionId, expiresAt: { $gt: now } }, { fields: ['jti'] }),
      em.find(ClientSecret, { connection: connectionId, revokedAt: null }, { fields: ['id', 'expiresAt'] }),
      connection.acceptedVersion
        ? em.findOne(
            AppVersion,
            { app: connection.app.id, number: connection.acceptedVersion },
            { fields: ['scopes'] },
          )
        : null,
    ]);
    return {
      appId: connection.app.id,
      appKey: connection.app.appKey,
      active: connection.status === 'connected' && !connection.app.deletedAt,
      revokedJtis: new Set(revoked.map((r) => r.jti)),
      scopesInPlay: new Set(version?.scopes ?? []),
      liveSecrets: new Map(secrets.map((s) => [s.id, s.expiresAt?.getTime() ?? null])),
    };
  }

  private async loadApp(appKey: string): Promise<AppRecord | null> {
    if (appKey.length > 64) return null;
    const app = await this.db.em().findOne(App, { appKey, deletedAt: null }, { fields: ['id'] });
    return app ? { appId: app.id } : null;
  }
}
