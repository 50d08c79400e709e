import { DomainError } from '@gatehouse/domain';
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { LoginFailure } from '../db/entities';

/** Failed sign-ins allowed per window, per account and per client address. */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
const MAX_PER_ACCOUNT = 5;
const MAX_PER_CLIENT = 30;

/** An attempt still being checked after this long belongs to a process that died: it no longer holds a place. */
const ATTEMPT_STALE_MS = 30_000;
/** How long an attempt waits for the ones ahead of it before giving up. */
const MAX_WAIT_MS = 10_000;
const WAIT_STEP_MS = 25;

const accountKey = (email: string) => `account:${email}`;
const clientKey = (ip: string) => `client:${ip}`;
/** An attempt in progress, kept beside the failures so every instance sees it. */
const inProgress = (subject: string) => `attempt:${subject}`;

const TOO_MANY = 'Too many failed sign-in attempts. Wait 15 minutes and try again.';

export interface SignInAttempt {
  /** The password was wrong or the account unknown: the attempt becomes a failure on both counters. */
  failed(): Promise<void>;
  /** Signed in: the account's failures and this attempt's place are cleared. */
  succeeded(): Promise<void>;
  /** Ended by an error of ours: the attempt counts for nothing. */
  abandon(): Promise<void>;
}

/**
 * Only failures count against the limits. Attempts arriving at once must not
 * each pass the check before any of them has failed, so an attempt is admitted
 * only while the failures so far plus the attempts already admitted (rows every
 * instance sees) stay under the limit; the check and the admission are one
 * transaction that holds the account's and the address's lock, so two attempts
 * are never admitted on the same count. The others wait for those admitted to
 * settle. A burst of wrong passwords thus gets no more guesses than a sequence,
 * and a burst of right ones all get in. Hand-written, not rate-limiter-flexible:
 * that library keeps one count per key, and this needs the attempts in flight
 * counted apart from the failures.
 */
export async function beginSignInAttempt(
  em: EntityManager,
  email: string,
  ip: string,
): Promise<SignInAttempt> {
  const subjects = { account: accountKey(email), client: clientKey(ip) };
  const places = [
    { id: crypto.randomUUID(), subject: inProgress(subjects.account) },
    { id: crypto.randomUUID(), subject: inProgress(subjects.client) },
  ];

  for (let round = 1, started = Date.now(); ; round++) {
    const admitted = await em.transactional(async (tx) => {
      await lockSubjects(tx, [subjects.account, subjects.client]);
      const counts = await standing(tx, subjects);
      if (counts.accountFailures >= MAX_PER_ACCOUNT || counts.clientFailures >= MAX_PER_CLIENT)
        throw new DomainError('RATE_LIMITED', TOO_MANY);
      if (
        counts.accountFailures + counts.accountAdmitted >= MAX_PER_ACCOUNT ||
        counts.clientFailures + counts.clientAdmitted >= MAX_PER_CLIENT
      )
        return false;
      const at = new Date();
      await tx.insertMany(
        LoginFailure,
        places.map((place) => ({ ...place, at })),
      );
      return true;
    });
    if (admitted) break;
    if (Date.now() - started > MAX_WAIT_MS)
      throw new DomainError('RATE_LIMITED', 'Too many sign-in attempts at once. Try again in a moment.');
    // Those admitted settle within a password hash or two; waiting longer each round keeps a long line off the database.
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_STEP_MS * round, 250)));
  }
  const leave = () => em.nativeDelete(LoginFailure, { id: { $in: places.map((p) => p.id) } });

  return {
    // The place becomes a failure in one transaction, so an attempt waiting in line always sees one or the other.
    failed: () =>
      em.transactional(async (tx) => {
        await tx.nativeDelete(LoginFailure, { id: { $in: places.map((p) => p.id) } });
        const now = new Date();
        await tx.insertMany(LoginFailure, [
          { id: crypto.randomUUID(), subject: subjects.account, at: now },
          { id: crypto.randomUUID(), subject: subjects.client, at: now },
        ]);
      }),
    succeeded: async () => {
      await em.nativeDelete(LoginFailure, {
        $or: [
          { subject: subjects.account },
          { id: { $in: places.map((p) => p.id) } },
          { at: { $lt: new Date(Date.now() - SIGN_IN_WINDOW_MS) } },
        ],
      });
    },
    abandon: async () => {
      await leave();
    },
  };
}

interface Standing {
  accountFailures: number;
  clientFailures: number;
  accountAdmitted: number;
  clientAdmitted: number;
}

/**
 * Serialises admissions per account and per address inside the transaction: PostgreSQL by transaction
 * advisory locks (always in the same order, so two attempts never wait on each other in a cycle); the
 * embedded database runs one write transaction at a time already.
 */
async function lockSubjects(tx: EntityManager, subjects: string[]): Promise<void> {
  if (tx.getDriver().constructor.name !== 'PostgreSqlDriver') return;
  for (const subject of subjects) {
    await tx
      .getConnection()
      .execute('select pg_advisory_xact_lock(hashtext(?))', [subject], 'all', tx.getTransactionContext());
  }
}

/** Failures in the window and attempts admitted and not yet settled, read in one statement. */
async function standing(tx: EntityManager, subjects: { account: string; client: string }): Promise<Standing> {
  const now = Date.now();
  const rows: { subject: string; n: number | string }[] = await tx
    .createQueryBuilder(LoginFailure, 'f')
    .select(['f.subject', raw('count(*) as n')])
    .where({
      $or: [
        {
          subject: { $in: [subjects.account, subjects.client] },
          at: { $gt: new Date(now - SIGN_IN_WINDOW_MS) },
        },
        {
          subject: { $in: [inProgress(subjects.account), inProgress(subjects.client)] },
          at: { $gt: new Date(now - ATTEMPT_STALE_MS) },
        },
      ],
    })
    .groupBy('f.subject')
    .execute('all', false);
  const count = (subject: string) => Number(rows.find((r) => r.subject === subject)?.n ?? 0);
  return {
    accountFailures: count(subjects.account),
    clientFailures: count(subjects.client),
    accountAdmitted: count(inProgress(subjects.account)),
    clientAdmitted: count(inProgress(subjects.client)),
  };
}
