import type { EntityKey, EntityName } from '@mikro-orm/core';
import {
  App,
  AppTenant,
  AppVersion,
  AuditEvent,
  ClientSecret,
  Connection,
  Notification,
} from '../db/entities';
import type { Database } from '../db/orm';

const DAY_MS = 86_400_000;

/**
 * Dates the demo's history: the services stamp every change with the present, so each step of the story
 * runs now and the moments it left are then moved back to the day it tells of, keeping their order. The
 * change feed is left alone: it is the record of what was written when, which caches and webhooks read in
 * order.
 */
export class Timeline {
  constructor(
    private readonly db: Database,
    private readonly now = Date.now(),
  ) {}

  /** Runs `step` and dates what it wrote `daysAgo` days before now (fractions are hours). */
  async at<T>(daysAgo: number, step: () => Promise<T>): Promise<T> {
    const since = new Date();
    const result = await step();
    const shift = since.getTime() - (this.now - daysAgo * DAY_MS);
    const move = <E extends object>(entity: EntityName<E>, ...properties: (keyof E & string)[]) =>
      backdate(this.db, entity, properties, since, shift);
    await move(AuditEvent, 'at');
    await move(App, 'createdAt', 'updatedAt', 'submittedAt', 'reviewedAt', 'firstApprovedAt');
    await move(AppVersion, 'createdAt');
    await move(AppTenant, 'addedAt');
    await move(Connection, 'createdAt', 'updatedAt');
    await move(ClientSecret, 'createdAt');
    await move(Notification, 'createdAt');
    return result;
  }
}

/**
 * Moves each of the properties of `entity` stamped at or after `since` back by `shift` ms, one statement
 * a column: SQLite keeps a moment as epoch milliseconds, PostgreSQL as a timestamp.
 */
async function backdate<E extends object>(
  db: Database,
  entity: EntityName<E>,
  properties: (keyof E & string)[],
  since: Date,
  shift: number,
): Promise<void> {
  const em = db.em();
  const meta = em.getMetadata(entity);
  const q = (name: string) => em.getPlatform().quoteIdentifier(name);
  for (const property of properties) {
    const column = q(meta.properties[property as EntityKey<E>].fieldNames[0]!);
    const sql =
      db.dialect === 'sqlite'
        ? `update ${q(meta.tableName)} set ${column} = ${column} - ? where ${column} >= ?`
        : `update ${q(meta.tableName)} set ${column} = ${column} - ? * interval '1 millisecond' where ${column} >= ?`;
    await em.getConnection().execute(sql, [shift, db.dialect === 'sqlite' ? since.getTime() : since], 'run');
  }
}
