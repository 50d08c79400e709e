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
import { auditConnection, changeConnections } from '../connections/changes';
import { rotateSecrets } from '../connections/secrets';
import { findOwnedApp, type OrganizationMember, tenantIdsOf } from './queries';

/** View Connections: every listed tenant per environment, with the version and scopes in play. */
export async function appConnections(em: EntityManager, developer: OrganizationMember, appId: string) {
  const app = await findOwnedApp(em, developer.organizationId, appId);
  const [listed, connections, versions] = await Promise.all([
    tenantIdsOf(em, app.id),
    em.find(Connection, { app: app.id }, { populate: ['tenant'] }),
    em.find(AppVersion, { app: app.id }),
  ]);
  const scopesByVersion = new Map(versions.map((v) => [v.number, v.scopes]));
  const byKey = new Map(connections.map((c) => [`${c.tenant.id}:${c.environment}`, c]));
  // Tenants no longer listed still show while they keep a connection.
  const tenantIds = new Set([...listed, ...connections.map((c) => c.tenant.id)]);
  return [...tenantIds].flatMap((tenantId) =>
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
        offered: listed.includes(tenantId),
        clientId: declined ? null : (connection?.clientId ?? null),
        credentialsIssuer: connection ? issuerOfConnection(connection) : null,
        canGenerateSecret: developerMayGenerateSecret(connection ?? null),
      };
    }),
  );
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
