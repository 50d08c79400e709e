import type { Environment } from '@gatehouse/domain';
import type { EntityData, EntityKey, EntityName, InferEntity, RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/knex';
import { LatencyDaily, ScopeUse } from '../db/entities';
import { latencySlot, type NewBlock } from './blocks';

/** Every tenant (and environment) at once: the rows an app's own figures are read from. */
export const ANY = '*';

/** "Last used" is what the advisor reads over 30 days: a time newer by less than this is not written again. */
const SCOPE_USE_RESOLUTION_MS = 60_000;

/** Rows per upsert. */
const CHUNK = 250;

/**
 * What written lines add to the daily latency counts and to when each scope
 * was last needed, added up in memory until written: a batch of thousands of
 * lines becomes a row per app, tenant, endpoint, day and latency bucket it
 * touched, one more per app without the tenant, and a row per scope used.
 */
export class Rollup {
  /** `day \n app \n tenant \n environment \n endpoint \n bucket` → calls. */
  readonly latency = new Map<string, number>();
  /** `app \n tenant \n environment \n scope` → the latest use (epoch ms). */
  readonly scopes = new Map<string, number>();

  get size(): number {
    return this.latency.size + this.scopes.size;
  }

  /** What a block's lines add, from the counts the block made of them (see NewBlock.latency). */
  addBlock(block: NewBlock): this {
    const { appId, environment } = block;
    for (const [slot, calls] of block.latency) {
      const { tenantId, day, entry, bucket } = latencySlot(block, slot);
      const tail = `${environment}\n${entry.route}\n${bucket}`;
      if (tenantId !== null) this.count(`${day}\n${appId}\n${tenantId}\n${tail}`, calls);
      this.count(`${day}\n${appId}\n${ANY}\n${tail}`, calls);
    }
    block.scopes.forEach((uses, place) => {
      const tenantId = block.tenantIds[place];
      for (const [scope, at] of uses) {
        this.use(`${appId}\n${tenantId}\n${environment}\n${scope}`, at);
        this.use(`${appId}\n${ANY}\n${ANY}\n${scope}`, at);
      }
    });
    return this;
  }

  private count(key: string, calls = 1): void {
    this.latency.set(key, (this.latency.get(key) ?? 0) + calls);
  }

  private use(key: string, at: number): void {
    if ((this.scopes.get(key) ?? 0) < at) this.scopes.set(key, at);
  }
}

/** Keys in one order on every server: two instances upserting the same rows lock them alike and never deadlock. */
const sortedKeys = (map: Map<string, unknown>) => [...map.keys()].sort();

/**
 * Adds a rollup to LatencyDaily and ScopeUse, a statement of a few hundred rows at a time, each on its own
 * (no transaction holds the database for the whole rollup). What a statement wrote leaves the rollup, so
 * that after a failure the rollup holds exactly what is still to be written. `written` remembers when each
 * scope's last use was written: a scope used on every call is written about once a minute. `between` runs
 * between statements (a pause that lets other writers of an embedded database in).
 */
export async function writeRollup(
  em: () => EntityManager,
  rollup: Rollup,
  written: Map<string, number>,
  between: () => Promise<void>,
): Promise<void> {
  const latencyKeys = sortedKeys(rollup.latency);
  for (let i = 0; i < latencyKeys.length; i += CHUNK) {
    const keys = latencyKeys.slice(i, i + CHUNK);
    const rows = keys.map((key): InferEntity<typeof LatencyDaily> => {
      const [day = '', appId = '', tenantId = '', environment, route = '', bucket] = key.split('\n');
      const endpoint = route.slice(0, 120);
      const calls = rollup.latency.get(key) ?? 0;
      return {
        day,
        appId,
        tenantId,
        environment: environment as Environment,
        endpoint,
        bucket: Number(bucket),
        calls,
      };
    });
    const entityManager = em();
    await upsert(
      entityManager,
      LatencyDaily,
      rows,
      ['appId', 'tenantId', 'environment', 'endpoint', 'day', 'bucket'],
      {
        calls: entityManager.getKnex().raw('latency_daily.calls + excluded.calls'),
      },
    );
    for (const key of keys) rollup.latency.delete(key);
    await between();
  }

  const due: string[] = [];
  for (const key of sortedKeys(rollup.scopes)) {
    const at = rollup.scopes.get(key) ?? 0;
    if (at - (written.get(key) ?? 0) < SCOPE_USE_RESOLUTION_MS) rollup.scopes.delete(key);
    else due.push(key);
  }
  if (written.size > 200_000) written.clear();
  for (let i = 0; i < due.length; i += CHUNK) {
    const keys = due.slice(i, i + CHUNK);
    const rows = keys.map((key): InferEntity<typeof ScopeUse> => {
      const [appId = '', tenantId = '', environment = '', scope = ''] = key.split('\n');
      return {
        appId,
        tenantId,
        environment,
        scope: scope.slice(0, 80),
        lastUsedAt: new Date(rollup.scopes.get(key) ?? 0),
      };
    });
    const entityManager = em();
    // A last use only moves forward: two instances may write the same scope in either order.
    await upsert(entityManager, ScopeUse, rows, ['appId', 'tenantId', 'environment', 'scope'], {
      lastUsedAt: entityManager
        .getKnex()
        .raw(
          'case when excluded.last_used_at > scope_use.last_used_at then excluded.last_used_at else scope_use.last_used_at end',
        ),
    });
    for (const key of keys) {
      written.set(key, rollup.scopes.get(key) ?? 0);
      rollup.scopes.delete(key);
    }
    await between();
  }
}

/** `insert … on conflict do update`; `merged` says in SQL what a conflicting row becomes. */
async function upsert<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  rows: T[],
  key: EntityKey<T>[],
  merged: Record<string, Knex.Raw>,
): Promise<void> {
  await em
    .createQueryBuilder(entity)
    .insert(rows as RequiredEntityData<T>[])
    .onConflict(key)
    // The ORM types merged values as the columns'; these are SQL.
    .merge(merged as unknown as EntityData<T>)
    .execute();
}
