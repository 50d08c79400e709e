import { type Environment, LATENCY_BOUNDS_MS, latencyBucketOf } from '@gatehouse/domain';
import type { EntityData, EntityKey, EntityName, InferEntity, RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/knex';
import { LatencyDaily, ScopeUse } from '../db/entities';
import { type LogLine, UtcDays } from './line';

/** Every tenant (and environment) at once: the rows an app's own figures are read from. */
export const ANY = '*';

/** "Last used" is what the advisor reads over 30 days: a time newer by less than this is not written again. */
const SCOPE_USE_RESOLUTION_MS = 60_000;

/** Rows per upsert. */
const CHUNK = 250;

const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/**
 * What a batch of lines adds to the daily latency counts and to when each
 * scope was last needed, added up in memory: keys hold the row's key
 * columns, so a batch of thousands of lines writes a row per app, tenant,
 * endpoint and bucket it touched, and one more per app without the tenant.
 */
export class Rollup {
  /** `day \n app \n tenant \n environment \n endpoint` → calls per latency bucket. */
  readonly latency = new Map<string, number[]>();
  /** `app \n tenant \n environment \n scope` → the latest use (epoch ms). */
  readonly scopes = new Map<string, number>();

  get size(): number {
    return this.latency.size + this.scopes.size;
  }

  addLines(lines: readonly LogLine[], days = new UtcDays()): this {
    for (const line of lines) {
      const day = days.of(line.at);
      const bucket = latencyBucketOf(line.latencyMs);
      const { appId, tenantId, environment, route, scope } = line;
      if (tenantId !== null) this.count(`${day}\n${appId}\n${tenantId}\n${environment}\n${route}`, bucket, 1);
      this.count(`${day}\n${appId}\n${ANY}\n${environment}\n${route}`, bucket, 1);
      if (scope !== null && tenantId !== null) {
        this.use(`${appId}\n${tenantId}\n${environment}\n${scope}`, line.at);
        this.use(`${appId}\n${ANY}\n${ANY}\n${scope}`, line.at);
      }
    }
    return this;
  }

  /** Another rollup's counts added to this one (a batch that could not be written, put back). */
  merge(other: Rollup): this {
    for (const [key, counts] of other.latency)
      for (const [bucket, n] of counts.entries()) this.count(key, bucket, n);
    for (const [key, at] of other.scopes) this.use(key, at);
    return this;
  }

  private count(key: string, bucket: number, n: number): void {
    if (n === 0) return;
    let counts = this.latency.get(key);
    if (!counts) {
      counts = new Array<number>(BUCKETS).fill(0);
      this.latency.set(key, counts);
    }
    counts[bucket] = (counts[bucket] ?? 0) + n;
  }

  private use(key: string, at: number): void {
    if ((this.scopes.get(key) ?? 0) < at) this.scopes.set(key, at);
  }
}

/** Keys in one order on every server: two instances upserting the same rows lock them alike and never deadlock. */
const sorted = <V>(map: Map<string, V>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Adds a rollup to LatencyDaily and ScopeUse on the caller's transaction. `written` remembers when each
 * scope's last use was written, so that a scope used on every call is written about once a minute.
 */
export async function writeRollup(em: EntityManager, rollup: Rollup, written: Map<string, number>) {
  const latency: InferEntity<typeof LatencyDaily>[] = [];
  for (const [key, counts] of sorted(rollup.latency)) {
    const [day = '', appId = '', tenantId = '', environment, route = ''] = key.split('\n');
    const endpoint = route.slice(0, 120);
    counts.forEach((calls, bucket) => {
      if (calls > 0)
        latency.push({
          day,
          appId,
          tenantId,
          environment: environment as Environment,
          endpoint,
          bucket,
          calls,
        });
    });
  }
  const knex = em.getKnex();
  await upsert(em, LatencyDaily, latency, ['appId', 'tenantId', 'environment', 'endpoint', 'day', 'bucket'], {
    calls: knex.raw('latency_daily.calls + excluded.calls'),
  });

  const scopes: InferEntity<typeof ScopeUse>[] = [];
  for (const [key, at] of sorted(rollup.scopes)) {
    if (at - (written.get(key) ?? 0) < SCOPE_USE_RESOLUTION_MS) continue;
    written.set(key, at);
    const [appId = '', tenantId = '', environment = '', scope = ''] = key.split('\n');
    scopes.push({ appId, tenantId, environment, scope: scope.slice(0, 80), lastUsedAt: new Date(at) });
  }
  if (written.size > 200_000) written.clear();
  await upsert(em, ScopeUse, scopes, ['appId', 'tenantId', 'environment', 'scope'], {
    lastUsedAt: knex.raw(
      'case when excluded.last_used_at > scope_use.last_used_at then excluded.last_used_at else scope_use.last_used_at end',
    ),
  });
}

/** `insert … on conflict do update`, a chunk at a time; `merged` says in SQL what a conflicting row becomes. */
async function upsert<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  rows: T[],
  key: EntityKey<T>[],
  merged: Record<string, Knex.Raw>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await em
      .createQueryBuilder(entity)
      .insert(rows.slice(i, i + CHUNK) as RequiredEntityData<T>[])
      .onConflict(key)
      // The ORM types merged values as the columns'; these are SQL.
      .merge(merged as unknown as EntityData<T>)
      .execute();
  }
}
