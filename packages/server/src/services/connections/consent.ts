import {
  type CredentialsMode,
  checkConnectionMay,
  credentialsIssuerFor,
  DomainError,
  type Environment,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { Connection, type ConnectionEntity, Tenant } from '../../db/entities';
import { scopesOfVersion } from '../apps/queries';
import { auditConnection, changeConnections, snapshot, updateConnection } from './changes';
import { findConnection, findVisibleApp, type TenantAdminActor } from './lookup';
import { issueSecret, newClientId } from './secrets';
import { appAsTenantSees, summarizeOne } from './summaries';

/** One app as one tenant's admin acts on it in one environment. */
export interface TenantApp {
  tenantId: string;
  environment: Environment;
  appId: string;
}

const ISSUER_CHANGED_MESSAGE =
  "This app's credentials setting changed while you were reviewing it. Review it again.";

/** The tenants this admin administers, by name. */
export async function adminTenants(em: EntityManager, admin: TenantAdminActor) {
  const tenants = await em.find(Tenant, { id: { $in: admin.tenantIds } }, { orderBy: { name: 'asc' } });
  return tenants.map((t) => ({ id: t.id, name: t.name }));
}

/** What the admin reads before Allow or Decline: the app and every scope it asks for. */
export async function appForTenant(em: EntityManager, input: TenantApp) {
  const app = await findVisibleApp(em, input.tenantId, input.appId);
  const connection = await findConnection(em, input);
  return {
    ...appAsTenantSees(app),
    declined: connection?.status === 'declined',
    scopes: await scopesOfVersion(em, app.id, app.latestVersion),
    credentialsIssuer: credentialsIssuerFor(app.credentialsMode),
    connection: connection ? await summarizeOne(em, connection) : null,
  };
}

/**
 * Allow: connects on the app's latest version and shows the client credentials once.
 * Who issues the credentials is fixed here, from the app's mode at this moment, and
 * must be what the consent screen showed the admin.
 */
export async function allowApp(
  em: EntityManager,
  admin: TenantAdminActor,
  input: TenantApp & { credentialsIssuer: CredentialsMode },
) {
  const issued = await changeConnections(em, async (tx) => {
    const app = await findVisibleApp(tx, input.tenantId, input.appId);
    const existing = await findConnection(tx, input);
    checkConnectionMay(existing, 'allow');
    const credentialsIssuer = credentialsIssuerFor(app.credentialsMode);
    if (credentialsIssuer !== input.credentialsIssuer)
      throw new DomainError('CONFLICT', ISSUER_CHANGED_MESSAGE);
    const before = existing ? snapshot(existing) : null;
    const accepted = {
      status: 'connected' as const,
      acceptedVersion: app.latestVersion,
      clientId: newClientId(),
      credentialsIssuer,
    };
    let connection: ConnectionEntity;
    if (existing) {
      connection = existing;
      updateConnection(tx, connection, { ...accepted, declinedVersion: null }, admin.id);
    } else {
      connection = tx.create(Connection, {
        id: crypto.randomUUID(),
        app,
        tenant: input.tenantId,
        environment: input.environment,
        ...accepted,
        updatedBy: admin.id,
      });
    }
    auditConnection(tx, admin, 'connection.allowed', connection, {
      before,
      after: { ...snapshot(connection), clientId: accepted.clientId, credentialsIssuer },
    });
    // The first secret is an event of its own, like every later one (rotated, generated, revoked).
    const { plain, secret } = issueSecret(tx, connection, admin.id);
    auditConnection(tx, admin, 'connection.secret_created', connection, {
      after: { secretId: secret.id, secretStart: secret.start },
    });
    return { connection, clientSecret: plain, clientId: accepted.clientId };
  });
  return {
    connection: await summarizeOne(em, issued.connection),
    clientId: issued.clientId,
    clientSecret: issued.clientSecret,
  };
}

/** Decline: the app stays out of this environment until an admin allows it. */
export async function declineApp(em: EntityManager, admin: TenantAdminActor, input: TenantApp) {
  const connection = await changeConnections(em, async (tx) => {
    const app = await findVisibleApp(tx, input.tenantId, input.appId);
    const existing = await findConnection(tx, input);
    checkConnectionMay(existing, 'decline');
    if (existing?.status === 'declined') return existing;
    const created = tx.create(Connection, {
      id: crypto.randomUUID(),
      app,
      tenant: input.tenantId,
      environment: input.environment,
      status: 'declined',
      updatedBy: admin.id,
    });
    auditConnection(tx, admin, 'connection.declined', created, { after: snapshot(created) });
    return created;
  });
  return summarizeOne(em, connection);
}
