import {
  type ChangeEventType,
  checkConnectionMay,
  checkDeclinedVersion,
  checkUpgradeTarget,
  diffScopes,
  notFound,
  upgradeOnOffer,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { ConnectionEntity } from '../../db/entities';
import { scopesOfVersion } from '../apps/queries';
import {
  auditConnection,
  type ConnectionChanges,
  changeConnections,
  snapshot,
  updateConnection,
} from './changes';
import { findTenantConnection, type TenantAdminActor } from './lookup';
import { secretsOf, summarizeOne } from './summaries';

/** One connection: its summary, the scopes in play, its secrets, and the upgrade on offer with its changes. */
export async function connectionDetail(em: EntityManager, admin: TenantAdminActor, connectionId: string) {
  const connection = await findTenantConnection(em, admin, connectionId);
  const summary = await summarizeOne(em, connection);
  const app = connection.app;
  const scopesInPlay = connection.acceptedVersion
    ? await scopesOfVersion(em, app.id, connection.acceptedVersion)
    : [];
  const offer = upgradeOnOffer(connection, app);
  const upgrade = offer
    ? { ...offer, ...diffScopes(scopesInPlay, await scopesOfVersion(em, app.id, offer.toVersion)) }
    : null;
  return { ...summary, scopesInPlay, secrets: await secretsOf(em, connection.id), upgrade };
}

/** Runs one state change of a connection and writes its event with the state before and after. */
async function changeState(
  em: EntityManager,
  admin: TenantAdminActor,
  connectionId: string,
  action: ChangeEventType,
  decide: (connection: ConnectionEntity) => ConnectionChanges,
) {
  const connection = await changeConnections(em, async (tx) => {
    const connection = await findTenantConnection(tx, admin, connectionId);
    const changes = decide(connection);
    const before = snapshot(connection);
    updateConnection(tx, connection, changes, admin.id);
    auditConnection(tx, admin, action, connection, { before, after: snapshot(connection) });
    return connection;
  });
  return summarizeOne(em, connection);
}

/** Upgrade to New Version: the credentials stay; the scopes in play become the new version's. */
export function upgradeConnection(
  em: EntityManager,
  admin: TenantAdminActor,
  input: { connectionId: string; toVersion: number },
) {
  return changeState(em, admin, input.connectionId, 'connection.upgraded', (connection) => {
    checkConnectionMay(connection, 'upgrade');
    if (connection.app.deletedAt) throw notFound('App');
    checkUpgradeTarget(connection, connection.app.latestVersion, input.toVersion);
    return { acceptedVersion: input.toVersion, declinedVersion: null };
  });
}

/** Decline the new version: the connection stays on its version and the tag goes away until a newer one. */
export function declineUpgrade(
  em: EntityManager,
  admin: TenantAdminActor,
  input: { connectionId: string; toVersion: number },
) {
  return changeState(em, admin, input.connectionId, 'connection.upgrade_declined', (connection) => {
    checkConnectionMay(connection, 'decline_upgrade');
    checkDeclinedVersion(connection, connection.app.latestVersion, input.toVersion);
    return { declinedVersion: input.toVersion };
  });
}

/** Disable pauses the app's access at once; restore gives it back. */
export function setConnectionStatus(
  em: EntityManager,
  admin: TenantAdminActor,
  connectionId: string,
  action: 'disable' | 'restore',
) {
  const disable = action === 'disable';
  return changeState(
    em,
    admin,
    connectionId,
    disable ? 'connection.disabled' : 'connection.restored',
    (c) => {
      checkConnectionMay(c, action);
      return { status: disable ? 'disabled' : 'connected' };
    },
  );
}
