import {
  DomainError,
  developerMayGenerateSecret,
  ENVIRONMENTS,
  type Environment,
  issuerOfConnection,
  notFound,
  secretGenerationRefusal,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { AppVersion, Connection } from '../../db/entities';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { auditConnection, changeConnections } from '../connections/changes';
import { rotateSecrets } from '../connections/secrets';
import { connectionTenantsPage } from './connection-tenants';
import { findOwnedApp, type OrganizationMember } from './queries';

/**
 * View Connections, a page of tenants at a time: each tenant the app lists or
 * that still holds a connection (a Tenant ID removed from the app shows while
 * its connection remains), in both environments, with the version and scopes
 * in play. Ordered by Tenant ID; a search keeps the Tenant IDs that start with
 * it. Three queries whatever the number of tenants: the page's tenants, their
 * connections and the versions those are on.
 */
export async function appConnections(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; cursor?: string | undefined; limit: number; search?: string | undefined },
) {
  const app = await findOwnedApp(em, developer.organizationId, input.appId);
  const search = input.search || undefined;
  const tag = listTag('apps.connections', app.id, search);
  const after = input.cursor ? String(readListCursor(tag, input.cursor, ['text'])[0]) : undefined;
  const tenants = await connectionTenantsPage(em, app.id, { after, search, limit: input.limit });
  const page = listPage(tag, tenants, input.limit, (tenant) => [tenant.tenantId]);
  const tenantIds = page.items.map((tenant) => tenant.tenantId);
  const connections = tenantIds.length
    ? await em.find(
        Connection,
        { app: app.id, tenant: { $in: tenantIds } },
        { populate: ['tenant'], strategy: 'joined' },
      )
    : [];
  const inPlay = [...new Set(connections.flatMap((c) => (c.acceptedVersion ? [c.acceptedVersion] : [])))];
  const versions = inPlay.length ? await em.find(AppVersion, { app: app.id, number: { $in: inPlay } }) : [];
  const scopesByVersion = new Map(versions.map((v) => [v.number, v.scopes]));
  const byKey = new Map(connections.map((c) => [`${c.tenant.id}:${c.environment}`, c]));
  const items = page.items.flatMap(({ tenantId, listed }) =>
    ENVIRONMENTS.map((environment) => {
      const connection = byKey.get(`${tenantId}:${environment}`);
      const declined = connection?.status === 'declined';
      const version = declined ? null : (connection?.acceptedVersion ?? null);
      return {
        tenantId,
        tenantName: connection?.tenant.name ?? null,
        environment,
        state: connection?.status ?? ('not_connected' as const),
        version,
        scopesInPlay: version ? (scopesByVersion.get(version) ?? []) : [],
        offered: listed,
        clientId: declined ? null : (connection?.clientId ?? null),
        credentialsIssuer: connection ? issuerOfConnection(connection) : null,
        canGenerateSecret: developerMayGenerateSecret(connection ?? null),
      };
    }),
  );
  return { items, nextCursor: page.nextCursor };
}

/**
 * Developer-managed credentials: create (or rotate) a connected tenant's client secret, shown once.
 * Only for a connection allowed while the app's mode was "developer": switching the mode later
 * must not hand the developer credentials a tenant admin issued.
 */
export async function generateSecret(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; tenantId: string; environment: Environment },
): Promise<{ clientId: string; clientSecret: string }> {
  return changeConnections(em, async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, input.appId);
    const connection = await tx.findOne(
      Connection,
      { app: app.id, tenant: input.tenantId, environment: input.environment },
      { populate: ['app'] },
    );
    const refusal = secretGenerationRefusal(connection);
    if (refusal === 'not_connected' || !connection) throw notFound('Connection');
    if (refusal === 'issued_by_tenant_admin')
      throw new DomainError('FORBIDDEN', "The tenant admin issues this connection's client credentials.");
    const { plain, secret, previousStarts } = await rotateSecrets(tx, connection, developer.id, 24);
    auditConnection(tx, developer, 'connection.secret_generated', connection, {
      before: { secrets: previousStarts },
      after: { secretId: secret.id, secretStart: secret.start },
    });
    return { clientId: connection.clientId ?? '', clientSecret: plain };
  });
}
