import { raw } from '@mikro-orm/core';
import type { FastifyBaseLogger } from 'fastify';
import { AccessEpoch } from './db/entities';
import type { Database } from './db/orm';

/** How often an instance looks for other instances' changes: well inside the one-second rule. */
export const EPOCH_POLL_MS = 250;

/**
 * Tells every cache of the token endpoint and the gate that access state
 * changed: at once on this instance, and through the epoch row on the others.
 * Call it after the change has committed.
 */
export async function announceAccessChange(db: Database): Promise<void> {
  db.changes.emit('access-changed');
  try {
    await bump(db);
  } catch (error) {
    // The change itself is done: the watcher reports the failure to the server's log and retries the
    // announcement on its next poll.
    unannounced.set(db, error);
  }
}

/** Databases with an announcement that failed and is still to be made, with why it failed until that is logged. */
const unannounced = new WeakMap<Database, unknown>();

async function bump(db: Database): Promise<void> {
  await db.em().nativeUpdate(AccessEpoch, { id: 1 }, { epoch: raw('epoch + 1') });
}

/**
 * Announces this instance's start, then polls the epoch row and announces other instances' changes on this
 * one; returns a stop function. `log` (the server's logger) hears of announcements that failed.
 */
export async function watchAccessEpoch(
  db: Database,
  log?: Pick<FastifyBaseLogger, 'error'>,
): Promise<() => void> {
  const em = db.em();
  await em.createQueryBuilder(AccessEpoch).insert({ id: 1, epoch: 0 }).onConflict('id').ignore().execute();
  // Starting counts as a change: an instance that stopped between a commit and its announcement
  // announces it when it comes back, so the others never rely on their caches' age alone.
  await bump(db);
  const knex = em.getKnex();
  const read = async () =>
    Number((await knex('access_epoch').select('epoch').where({ id: 1 }).first())?.epoch ?? 0);
  let seen = await read();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    let retry = Promise.resolve();
    if (unannounced.has(db)) {
      const failure = unannounced.get(db);
      // Reported once per failed announcement, not on every poll while the database is away.
      if (failure !== undefined)
        log?.error({ err: failure }, 'could not announce an access change; retrying');
      unannounced.set(db, undefined);
      retry = bump(db).then(() => {
        unannounced.delete(db);
      });
    }
    retry
      .then(read)
      .then((epoch) => {
        if (epoch !== seen) {
          seen = epoch;
          db.changes.emit('access-changed');
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, EPOCH_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
