import {
  checkConnectionMay,
  expiryAfterRotation,
  isSecretLive,
  notFound,
  rotationGraceEnd,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { randomToken, sha256Hex } from '../../auth/secrets';
import { ClientSecret, type ClientSecretEntity, type ConnectionEntity } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { auditConnection, changeConnections, updateConnection } from './changes';
import { findTenantConnection, type TenantAdminActor } from './lookup';
import { toSecretSummary } from './summaries';

const CLIENT_ID_PREFIX = 'ghc_';
const CLIENT_SECRET_PREFIX = 'ghcs_';
const SECRET_START_LENGTH = CLIENT_SECRET_PREFIX.length + 6;

export function newClientId(): string {
  return randomToken(CLIENT_ID_PREFIX, 16);
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

/**
 * Rotation: every live secret works `graceHours` more at most, then expires;
 * the new one is returned. The connection's revision moves too, so rotations
 * are serialised against every other change of the connection.
 */
export async function rotateSecrets(
  tx: EntityManager,
  connection: ConnectionEntity,
  actorId: string,
  graceHours: number,
) {
  const now = new Date();
  const graceEnd = rotationGraceEnd(now, graceHours);
  const unrevoked = await tx.find(ClientSecret, { connection: connection.id, revokedAt: null });
  const live = unrevoked.filter((secret) => isSecretLive(secret, now));
  for (const secret of live) secret.expiresAt = expiryAfterRotation(secret.expiresAt, graceEnd);
  updateConnection(tx, connection, {}, actorId);
  return { ...issueSecret(tx, connection, actorId), previousStarts: live.map((s) => s.start) };
}

/** Rotate secret: a new secret shown once; the old ones keep working for the grace period. */
export async function rotateSecret(
  em: EntityManager,
  admin: TenantAdminActor,
  input: { connectionId: string; graceHours: number },
) {
  return changeConnections(em, async (tx) => {
    const connection = await findTenantConnection(tx, admin, input.connectionId);
    checkConnectionMay(connection, 'rotate_secret');
    if (connection.app.deletedAt) throw notFound('App');
    const { plain, secret, previousStarts } = await rotateSecrets(tx, connection, admin.id, input.graceHours);
    auditConnection(tx, admin, 'connection.secret_rotated', connection, {
      before: { secrets: previousStarts },
      after: { secretId: secret.id, secretStart: secret.start, graceHours: input.graceHours },
    });
    await tx.flush();
    await tx.populate(secret, ['createdBy']);
    return { clientId: connection.clientId ?? '', clientSecret: plain, secret: toSecretSummary(secret) };
  });
}

/** Revoke: the secret stops working at once. */
export async function revokeSecret(
  em: EntityManager,
  admin: TenantAdminActor,
  input: { connectionId: string; secretId: string },
): Promise<{ revoked: true }> {
  await changeConnections(em, async (tx) => {
    const connection = await findTenantConnection(tx, admin, input.connectionId);
    const revokedAt = new Date();
    // Conditional on the secret being live: of two admins revoking it, the second is told it is gone.
    const changed = isUuid(input.secretId)
      ? await tx.nativeUpdate(
          ClientSecret,
          { id: input.secretId, connection: connection.id, revokedAt: null },
          { revokedAt },
        )
      : 0;
    if (changed !== 1) throw notFound('Client secret');
    const secret = await tx.findOneOrFail(ClientSecret, { id: input.secretId });
    auditConnection(tx, admin, 'connection.secret_revoked', connection, {
      before: { secretStart: secret.start },
      after: { secretId: secret.id, revokedAt },
    });
  });
  return { revoked: true };
}
