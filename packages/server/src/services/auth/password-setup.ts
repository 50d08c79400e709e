import { DomainError } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { hashPassword, randomToken, sha256Hex } from '../../auth/secrets';
import { loadSessionUser, type SessionUser, startSession } from '../../auth/sessions';
import { PasswordSetup, User, type UserEntity } from '../../db/entities';

/** How long a set-password link works. */
const SETUP_LINK_TTL_MS = 72 * 3600_000;
const LINK_INVALID = 'This link is not valid any more. Ask the reviewer for a new one.';

/** A one-time link for `user` to set a password, in the transaction of `em`: the token is shown once, only its hash kept. */
export function createPasswordSetup(em: EntityManager, user: UserEntity): { token: string; expiresAt: Date } {
  const token = randomToken('ghps_', 32);
  const expiresAt = new Date(Date.now() + SETUP_LINK_TTL_MS);
  em.create(PasswordSetup, { id: crypto.randomUUID(), tokenHash: sha256Hex(token), user, expiresAt });
  return { token, expiresAt };
}

/** Whose link this is, while it still works. */
export async function passwordSetupOwner(em: EntityManager, token: string) {
  const setup = await em.findOne(
    PasswordSetup,
    { tokenHash: sha256Hex(token), usedAt: null, expiresAt: { $gt: new Date() } },
    { populate: ['user'] },
  );
  if (!setup) throw new DomainError('NOT_FOUND', LINK_INVALID);
  return { email: setup.user.email, name: setup.user.name };
}

/** Sets the password through the link, which works once (two tabs racing: one wins), then starts a session. */
export async function setPasswordWithLink(
  em: EntityManager,
  token: string,
  password: string,
): Promise<{ user: SessionUser; session: { token: string; expiresAt: Date } }> {
  const passwordHash = await hashPassword(password);
  const userId = await em.transactional(async (tx) => {
    const setup = await tx.findOne(PasswordSetup, { tokenHash: sha256Hex(token) }, { populate: ['user'] });
    if (!setup || setup.usedAt || setup.expiresAt <= new Date())
      throw new DomainError('NOT_FOUND', LINK_INVALID);
    const used = await tx.nativeUpdate(PasswordSetup, { id: setup.id, usedAt: null }, { usedAt: new Date() });
    if (used !== 1) throw new DomainError('NOT_FOUND', LINK_INVALID);
    setup.user.passwordHash = passwordHash;
    audit(tx, setup.user, {
      action: 'user.password_set',
      organizationId: setup.user.organization?.id ?? null,
      after: { userId: setup.user.id },
    });
    return setup.user.id;
  });
  const session = await startSession(em, userId);
  const user = await em.fork().findOneOrFail(User, { id: userId }, { populate: ['organization'] });
  return { user: await loadSessionUser(em, user), session };
}
