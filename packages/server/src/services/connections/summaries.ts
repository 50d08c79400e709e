import {
  type ConnectionStatus,
  type CredentialsMode,
  type Environment,
  issuerOfConnection,
  newVersionAvailable,
  secretState,
  tenantFacingIdentity,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import {
  type AppEntity,
  ClientSecret,
  type ClientSecretEntity,
  type ConnectionEntity,
} from '../../db/entities';
import { offeredTenants } from './lookup';

/** The app as a tenant admin sees it: listed identity and verified organization (load `organization`). */
export function appAsTenantSees(app: AppEntity) {
  const listed = tenantFacingIdentity(app);
  return {
    appId: app.id,
    name: listed.name,
    organizationName: app.organization.name,
    homePageUrl: listed.homePageUrl,
    latestVersion: app.latestVersion,
  };
}

/** What a connection summary is made of: a connection entity (load `app.organization`), or a list's row. */
export interface ConnectionFacts {
  id: string;
  tenant: { id: string };
  environment: Environment;
  status: ConnectionStatus;
  acceptedVersion?: number | null;
  declinedVersion?: number | null;
  clientId?: string | null;
  credentialsIssuer: CredentialsMode;
  updatedAt: Date;
  lastTokenAt?: Date | null;
  lastCallAt?: Date | null;
  app: {
    id: string;
    name: string;
    homePageUrl: string;
    listedName?: string | null;
    listedHomePageUrl?: string | null;
    latestVersion: number;
    deletedAt?: Date | null;
    organization: { name: string };
  };
}

/**
 * The connection as its tenant admin sees it: the app's listed identity and verified
 * organization; `offered` says whether the app still lists the tenant.
 */
export function summarize(connection: ConnectionFacts, offered: boolean) {
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
    newVersionAvailable: !app.deletedAt && newVersionAvailable(connection, app.latestVersion),
    offered,
    appDeleted: Boolean(app.deletedAt),
    clientId: connection.clientId ?? null,
    credentialsIssuer: issuerOfConnection(connection),
    updatedAt: connection.updatedAt,
    lastTokenAt: connection.lastTokenAt ?? null,
    lastCallAt: connection.lastCallAt ?? null,
  };
}

export type ConnectionSummary = ReturnType<typeof summarize>;

export async function summarizeOne(
  em: EntityManager,
  connection: ConnectionEntity,
): Promise<ConnectionSummary> {
  const offered = await offeredTenants(em, connection.tenant.id, [connection.app.id]);
  return summarize(connection, offered.has(connection.app.id));
}

/** A client secret as the admin sees it: its visible start and state, never the secret (load `createdBy`). */
export function toSecretSummary(secret: ClientSecretEntity) {
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

export async function secretsOf(em: EntityManager, connectionId: string) {
  const secrets = await em.find(
    ClientSecret,
    { connection: connectionId },
    { orderBy: { createdAt: 'desc' }, populate: ['createdBy'] },
  );
  return secrets.map(toSecretSummary);
}
