import type { ChangeEventType } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { type Actor, audit } from '../../audit';
import type { ConnectionEntity } from '../../db/entities';
import { refuseRaces } from '../races';

const RACE_MESSAGE =
  'Someone else changed this connection at the same time. Reload to see its current state.';

/**
 * Runs a change of a connection in a transaction. Changes are flushed with the
 * connection's revision: one made from a state another admin changed
 * meanwhile, or a second insert of the same app × tenant × environment, is
 * refused as a conflict and changes nothing.
 */
export function changeConnections<T>(
  em: EntityManager,
  change: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  return refuseRaces(em, RACE_MESSAGE, change);
}

export type ConnectionChanges = Partial<
  Pick<ConnectionEntity, 'status' | 'acceptedVersion' | 'declinedVersion' | 'clientId' | 'credentialsIssuer'>
>;

/**
 * Applies `changes` and stamps who changed the connection when. The stamp is
 * always later than the last one, so even an empty change updates the row and
 * moves its revision: it is serialised against every other change.
 */
export function updateConnection(
  tx: EntityManager,
  connection: ConnectionEntity,
  changes: ConnectionChanges,
  actorId: string,
): void {
  const updatedAt = new Date(Math.max(Date.now(), connection.updatedAt.getTime() + 1));
  tx.assign(connection, { ...changes, updatedAt, updatedBy: actorId });
}

/** The state a connection event records before and after. */
export const snapshot = (c: ConnectionEntity) => ({
  status: c.status,
  acceptedVersion: c.acceptedVersion ?? null,
  declinedVersion: c.declinedVersion ?? null,
});

/**
 * The audit event of a connection change: the ids it touched, its environment, and what changed. Its change
 * event names the connection and its client id, whose cached access every instance drops.
 */
export function auditConnection(
  tx: EntityManager,
  actor: Actor,
  action: ChangeEventType,
  connection: ConnectionEntity,
  change: { before?: unknown; after?: object },
): void {
  audit(tx, actor, {
    action,
    organizationId: connection.app.organization.id,
    appId: connection.app.id,
    tenantId: connection.tenant.id,
    before: change.before ?? null,
    after: { connectionId: connection.id, environment: connection.environment, ...change.after },
    touched: {
      connectionId: connection.id,
      clientId: connection.clientId ?? null,
      environment: connection.environment,
    },
  });
}
