import { DomainError } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { decoyPasswordHash, verifyPassword } from '../../auth/secrets';
import { endSession, loadSessionUser, type SessionUser, startSession } from '../../auth/sessions';
import { beginSignInAttempt } from '../../auth/throttle';
import type { ContextLog } from '../../context';
import { User } from '../../db/entities';

const WRONG_CREDENTIALS = 'That email and password do not match an account.';

export interface SignInRequest {
  /** Normalized: trimmed and lower-case. */
  email: string;
  password: string;
  clientIp: string;
  /** The session token the browser already carried, if any: it is ended, never promoted. */
  carriedToken: string | null;
}

/**
 * Sign in with email and password, within the sign-in limits. A wrong password and an
 * unknown account answer alike and cost alike (the decoy hash). Every sign-in gets a
 * new session token.
 */
export async function signIn(
  em: EntityManager,
  request: SignInRequest,
  log: ContextLog,
): Promise<{ user: SessionUser; session: { token: string; expiresAt: Date } }> {
  const attempt = await beginSignInAttempt(em, request.email, request.clientIp);
  let user: Awaited<ReturnType<typeof findUser>>;
  let valid: boolean;
  try {
    user = await findUser(em, request.email);
    valid = await verifyPassword(request.password, user?.passwordHash ?? (await decoyPasswordHash()));
  } catch (error) {
    await attempt.abandon();
    throw error;
  }
  if (!user || !valid) {
    // The answer is the same whether or not the failure could be written down.
    await attempt
      .failed()
      .catch((error: unknown) => log.error({ err: error }, 'could not count a failed sign-in'));
    throw new DomainError('UNAUTHENTICATED', WRONG_CREDENTIALS);
  }
  await attempt.succeeded();
  if (request.carriedToken) await endSession(em, request.carriedToken);
  const session = await startSession(em, user.id);
  return { user: await loadSessionUser(em, user), session };
}

export async function signOut(em: EntityManager, token: string | null): Promise<void> {
  if (token) await endSession(em, token);
}

function findUser(em: EntityManager, email: string) {
  return em.findOne(User, { email }, { populate: ['organization'] });
}
