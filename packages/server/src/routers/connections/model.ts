import {
  type ConnectionAction,
  type ConnectionState,
  canConnectionDo,
  DomainError,
  issuerOfConnection,
  isVisibleToTenant,
  newVersionAvailable,
  notFound,
  tenantFacingIdentity,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { randomToken, sha256Hex } from '../../auth/secrets';
import type { SessionUser } from '../../auth/sessions';
import {
  App,
  type AppEntity,
  AppTenant,
  AppVersion,
  ClientSecret,
  type ClientSecretEntity,
  Connection,
  type ConnectionEntity,
} from '../../db/entities';
import { isUuid } from '../../db/ids';
import type { connectionSummaryOutput, secretOutput } from './schemas';

/** Ids are uuid columns: a malformed one must answer NOT_FOUND before PostgreSQL rejects it as bad syntax. */
export const CLIENT_ID_PREFIX = 'ghc_';
export const CLIENT_SECRET_PREFIX = 'ghcs_';
const SECRET_START_LENGTH = CLIENT_SECRET_PREFIX.length + 6;

export type ConnectionSummary = z.infer<typeof connectionSummaryOutput>;
export type SecretSummary = z.infer<typeof secretOutput>;

/** The admin's own tenant, or NOT_FOUND — another tenant looks exactly like a missing one. */
export function assertTenant(user: SessionUser, tenantId: string): void {
  if (!user.tenantIds.includes(tenantId)) throw notFound('Tenant');
}

/** A connection on one of the admin's tenants, with its app, or NOT_FOUND. */
export async function findTenantConnection(
  em: EntityManager,
  user: SessionUser,
  connectionId: string,
): Promise<ConnectionEntity> {
  const connection = isUuid(connectionId)
    ? await em.findOne(
        Connection,
        { id: connectionId, tenant: { $in: user.tenantIds } },
        { populate: ['app', 'app.organization'] },
      )
    : null;
  if (!connection) throw notFound('Connection');
  return connection;
}

/** The app as the tenant may see it, or NOT_FOUND. */
export async function findVisibleApp(em: EntityManager, tenantId: string, appId: string): Promise<AppEntity> {
  const app = isUuid(appId) ? await em.findOne(App, { id: appId }, { populate: ['organization'] }) : null;
  const listed = app ? (await em.count(AppTenant, { app: app.id, tenantId })) > 0 : false;
  if (!app || !isVisibleToTenant(app, listed)) throw notFound('App');
  return app;
}

export async function offeredTenants(
  em: EntityManager,
  pairs: { appId: string; tenantId: string }[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await em.find(AppTenant, { $or: pairs.map((p) => ({ app: p.appId, tenantId: p.tenantId })) });
  return new Set(rows.map((r) => `${r.app.id}:${r.tenantId}`));
}

/** The app as a tenant admin sees it: listed identity and verified organization (load `organization`). */
export function appAsTenantSees(app: AppEntity): {
  appId: string;
  name: string;
  organizationName: string;
  homePageUrl: string;
  latestVersion: number;
} {
  const listed = tenantFacingIdentity(app);
  return {
    appId: app.id,
    name: listed.name,
    organizationName: app.organization.name,
    homePageUrl: listed.homePageUrl,
    latestVersion: app.latestVersion,
  };
}

/** The connection as its tenant admin sees it: the app's listed identity and verified organization (load `app.organization`). */
export function summarize(connection: ConnectionEntity, offered: Set<string>): ConnectionSummary {
  const app = connection.app;
  const listed = tenantFacingIdentity(app);
  return {
    id: connection.id,
    appId: app.id,
    appName: listed.name,
    organizationName: app.organization.name,
    homePageUrl: listed.homePageUrl,
    tenantId: connection.tenant.id,
    environment: connection.environment,
    status: connection.status,
    acceptedVersion: connection.acceptedVersion ?? null,
    latestVersion: app.latestVersion,
    newVersionAvailable:
      !app.deletedAt &&
      newVersionAvailable(
        {
          acceptedVersion: connection.acceptedVersion ?? null,
          declinedVersion: connection.declinedVersion ?? null,
        },
        app.latestVersion,
      ),
    offered: offered.has(`${app.id}:${connection.tenant.id}`),
    appDeleted: Boolean(app.deletedAt),
    clientId: connection.clientId ?? null,
    credentialsIssuer: issuerOfConnection(connection),
    updatedAt: connection.updatedAt,
    lastTokenAt: connection.lastTokenAt ?? null,
    lastCallAt: connection.lastCallAt ?? null,
  };
}

export async function summarizeOne(
  em: EntityManager,
  connection: ConnectionEntity,
): Promise<ConnectionSummary> {
  return summarize(
    connection,
    await offeredTenants(em, [{ appId: connection.app.id, tenantId: connection.tenant.id }]),
  );
}

export function secretState(secret: ClientSecretEntity, now = new Date()): SecretSummary['state'] {
  if (secret.revokedAt) return 'revoked';
  if (secret.expiresAt && secret.expiresAt <= now) return 'expired';
  return secret.expiresAt ? 'expiring' : 'active';
}

export async function secretsOf(em: EntityManager, connectionId: string): Promise<SecretSummary[]> {
  const secrets = await em.find(
    ClientSecret,
    { connection: connectionId },
    { orderBy: { createdAt: 'desc' }, populate: ['createdBy'] },
  );
  return secrets.map((s) => toSecretSummary(s));
}

export function toSecretSummary(secret: ClientSecretEntity): SecretSummary {
  return {
    id: secret.id,
    start: secret.start,
    createdAt: secret.createdAt,
    createdBy: secret.createdBy.email ?? '',
    lastUsedAt: secret.lastUsedAt ?? null,
    expiresAt: secret.expiresAt ?? null,
    revokedAt: secret.revokedAt ?? null,
    state: secretState(secret),
  };
}

export async function scopesOfVersion(em: EntityManager, appId: string, number: number): Promise<string[]> {
  return (await em.findOneOrFail(AppVersion, { app: appId, number })).scopes;
}

export function stateOf(connection: ConnectionEntity | null): ConnectionState {
  return connection ? connection.status : 'not_connected';
}

export function assertCan(
  connection: ConnectionEntity | null,
  action: ConnectionAction,
  message: string,
): void {
  if (!canConnectionDo(stateOf(connection), action)) throw new DomainError('CONFLICT', message);
}

export const RACE_MESSAGE =
  'Someone else changed this connection at the same time. Reload to see its current state.';

/** Compare-and-set on the connection's revision: a change based on a stale state is refused, never lost. */
export async function updateConnection(
  tx: EntityManager,
  connection: ConnectionEntity,
  changes: Partial<
    Pick<
      ConnectionEntity,
      'status' | 'acceptedVersion' | 'declinedVersion' | 'clientId' | 'credentialsIssuer'
    >
  >,
  actorId: string,
): Promise<void> {
  const now = new Date();
  const moved = await tx.nativeUpdate(
    Connection,
    { id: connection.id, revision: connection.revision },
    { ...changes, revision: connection.revision + 1, updatedAt: now, updatedBy: actorId },
  );
  if (moved !== 1) throw new DomainError('CONFLICT', RACE_MESSAGE);
  Object.assign(connection, changes, { revision: connection.revision + 1, updatedAt: now });
}

/**
 * Creates a client secret: 320 random bits behind a recognisable prefix, so
 * that even with its visible start known more than 256 bits stay secret.
 * Only its SHA-256 and its start are stored; the caller shows it once.
 */
export function issueSecret(
  tx: EntityManager,
  connection: ConnectionEntity,
  createdBy: string,
): { plain: string; secret: ClientSecretEntity } {
  const plain = randomToken(CLIENT_SECRET_PREFIX, 40);
  const secret = tx.create(ClientSecret, {
    id: crypto.randomUUID(),
    connection,
    secretHash: sha256Hex(plain),
    start: plain.slice(0, SECRET_START_LENGTH),
    createdBy,
  });
  return { plain, secret };
}

export function newClientId(): string {
  return randomToken(CLIENT_ID_PREFIX, 16);
}

/** Rotation: every live secret gets `graceHours` more to work, then expires; the new one is returned. */
export async function rotateSecrets(
  tx: EntityManager,
  connection: ConnectionEntity,
  actorId: string,
  graceHours: number,
) {
  const now = new Date();
  const graceEnd = new Date(now.getTime() + graceHours * 3600_000);
  const live = await tx.find(ClientSecret, {
    connection: connection.id,
    revokedAt: null,
    $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
  });
  for (const secret of live) {
    if (!secret.expiresAt || secret.expiresAt > graceEnd) secret.expiresAt = graceEnd;
  }
  return {
    ...issueSecret(tx, connection, actorId),
    previous: live.map((s) => ({ id: s.id, start: s.start, expiresAt: s.expiresAt })),
  };
}
