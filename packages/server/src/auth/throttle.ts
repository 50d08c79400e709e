import type { EntityManager } from '@mikro-orm/knex';
import { DomainError } from '@gatehouse/domain';
import { LoginFailure } from '../db/entities';

/** Sign-in attempts allowed per window, per account and per client address. */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
const MAX_PER_ACCOUNT = 5;
const MAX_PER_CLIENT = 30;

const accountKey = (email: string) => `account:${email}`;
const clientKey = (ip: string) => `client:${ip}`;

/**
 * Counts this attempt before the password is checked, then refuses it if
 * the account or address is over its limit: attempts arriving at once each
 * see the others, so a burst gets no more guesses than a sequence. Kept in
 * the database so every instance agrees. Returns the attempt's rows so a
 * success can take them back.
 */
export async function beginSignInAttempt(em: EntityManager, email: string, ip: string): Promise<string[]> {
  const at = new Date();
  const ids = [crypto.randomUUID(), crypto.randomUUID()];
  await em.insertMany(LoginFailure, [
    { id: ids[0], subject: accountKey(email), at },
    { id: ids[1], subject: clientKey(ip), at },
  ]);
  const since = new Date(at.getTime() - SIGN_IN_WINDOW_MS);
  const [forAccount, forClient] = await Promise.all([
    em.count(LoginFailure, { subject: accountKey(email), at: { $gt: since } }),
    em.count(LoginFailure, { subject: clientKey(ip), at: { $gt: since } }),
  ]);
  if (forAccount > MAX_PER_ACCOUNT || forClient > MAX_PER_CLIENT) {
    throw new DomainError('RATE_LIMITED', 'Too many failed sign-in attempts. Wait 15 minutes and try again.');
  }
  return ids;
}

/** A successful sign-in clears the account's failures and drops rows past the window. */
export async function clearSignInFailures(em: EntityManager, email: string, attempt: string[]): Promise<void> {
  await em.nativeDelete(LoginFailure, {
    $or: [{ subject: accountKey(email) }, { id: { $in: attempt } }, { at: { $lt: new Date(Date.now() - SIGN_IN_WINDOW_MS) } }],
  });
}
