import type { EntityManager } from '@mikro-orm/knex';
import { DomainError } from '@gatehouse/domain';
import { LoginFailure } from '../db/entities';

/** Failed sign-ins allowed per window, per account and per client address. */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
const MAX_PER_ACCOUNT = 5;
const MAX_PER_CLIENT = 30;

const accountKey = (email: string) => `account:${email}`;
const clientKey = (ip: string) => `client:${ip}`;

/** Refuses further attempts once an account or an address has failed too often. Kept in the database so every instance agrees. */
export async function assertSignInAllowed(em: EntityManager, email: string, ip: string): Promise<void> {
  const since = new Date(Date.now() - SIGN_IN_WINDOW_MS);
  const [forAccount, forClient] = await Promise.all([
    em.count(LoginFailure, { subject: accountKey(email), at: { $gt: since } }),
    em.count(LoginFailure, { subject: clientKey(ip), at: { $gt: since } }),
  ]);
  if (forAccount >= MAX_PER_ACCOUNT || forClient >= MAX_PER_CLIENT) {
    throw new DomainError('RATE_LIMITED', 'Too many failed sign-in attempts. Wait 15 minutes and try again.');
  }
}

export async function recordSignInFailure(em: EntityManager, email: string, ip: string): Promise<void> {
  const at = new Date();
  em.create(LoginFailure, { id: crypto.randomUUID(), subject: accountKey(email), at });
  em.create(LoginFailure, { id: crypto.randomUUID(), subject: clientKey(ip), at });
  await em.flush();
}

export async function clearSignInFailures(em: EntityManager, email: string): Promise<void> {
  await em.nativeDelete(LoginFailure, { $or: [{ subject: accountKey(email) }, { at: { $lt: new Date(Date.now() - SIGN_IN_WINDOW_MS) } }] });
}
