import { DomainError } from '@gatehouse/domain';
import { OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

/** Another change of the same rows committed first: a stale revision, or a row inserted twice. */
export function isRace(error: unknown): boolean {
  return error instanceof OptimisticLockError || error instanceof UniqueConstraintViolationException;
}

const RETRIES = 20;

/**
 * Runs `change` in a transaction, again whenever a racing change committed
 * first. Each retry reads afresh, in a unit of work of its own: it must see
 * the state that beat it.
 */
export async function retryRaces<T>(
  em: EntityManager,
  change: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (attempt === 0 ? em : em.fork()).transactional(change);
    } catch (error) {
      if (!isRace(error) || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    }
  }
}

/** Runs `change` in a transaction; a racing change that committed first makes it a conflict with `message`. */
export async function refuseRaces<T>(
  em: EntityManager,
  message: string,
  change: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  try {
    return await em.transactional(change);
  } catch (error) {
    if (isRace(error)) throw new DomainError('CONFLICT', message);
    throw error;
  }
}
