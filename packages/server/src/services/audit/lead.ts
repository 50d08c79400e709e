import type { AuditFilters } from '@gatehouse/domain';
import { type FilterQuery, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { AuditEvent, type AuditEventEntity } from '../../db/entities';
import type { Dialect } from '../../db/orm';

/**
 * Whose part of the trail a caller reads, once their permission for the view is
 * checked: everything (reviewers), their organization's (developers), or their
 * tenants' (tenant admins).
 */
export type TrailReader =
  | { view: 'reviewer' }
  | { view: 'developer'; organizationId: string }
  | { view: 'tenant'; tenantIds: string[] };

/** The trail's columns a page can be read along, each leading an index that ends in the sort (`at`, `id`). */
export type LeadColumn = 'app_id' | 'actor_email' | 'tenant_id' | 'organization_id' | 'action';

/**
 * The index a page of the trail is read along, and the values of its leading
 * column the page may hold: one walk of the index, newest first, per value.
 * None (`column: null`) walks the trail itself newest first, by `(at, id)`.
 */
export interface Lead {
  column: LeadColumn | null;
  values: string[];
}

/**
 * At most this many values of a column are walked each in its index's order
 * and merged: a tenant admin's tenants, or the actor emails or actions that
 * start with a filter's text. A filter matching more is a filter of another walk.
 * Each walk reads at most a page and one row of its index, so a hundred cost far
 * less than the trail's own time order would to find a rare filter's rows (a
 * tenant admin of 21 tenants measured several times slower that way); SQLite
 * allows 500 parts in one compound select.
 */
export const MERGED_WALKS = 100;

/** Which database `em` reads: the trail's text comparisons and index choice differ by it. */
export const dialectOf = (em: EntityManager): Dialect =>
  em.getPlatform() instanceof PostgreSqlPlatform ? 'postgresql' : 'sqlite';

/** The index a walk reads (see the paging-audit migration): its column's, or the trail's own time order. */
export const indexOf = (column: LeadColumn | null) => `audit_event_${column ? `${column}_` : ''}at_id_index`;

/**
 * The text just after every text starting with `prefix`, in code point order
 * (the byte order of UTF-8, in which both databases compare these columns):
 * a text starts with `prefix` exactly when it is at least `prefix` and below
 * this. Null when no text is above them all.
 */
export function prefixEnd(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last < 0x10ffff) return String.fromCodePoint(...points, last === 0xd7ff ? 0xe000 : last + 1);
  }
  return null;
}

/** A column compared in byte order: PostgreSQL's is indexed in the "C" collation, SQLite's compares so already. */
const inByteOrder = (dialect: Dialect, column: 'actor_email' | 'action') =>
  dialect === 'postgresql' ? `${column} collate "C"` : column;

const PROPERTY = {
  app_id: 'appId',
  actor_email: 'actorEmail',
  tenant_id: 'tenantId',
  organization_id: 'organizationId',
  action: 'action',
} as const satisfies Record<LeadColumn, string>;

/**
 * The condition "`column` is one of `values`", comparing as the column's index
 * does, so that the index serves it.
 */
export function isAnyOf(dialect: Dialect, column: LeadColumn, values: string[]) {
  if (dialect === 'postgresql' && (column === 'actor_email' || column === 'action'))
    return { [raw(`${inByteOrder(dialect, column)} in (${values.map(() => '?').join(', ')})`, values)]: [] };
  return { [PROPERTY[column]]: values.length === 1 ? values[0] : { $in: values } };
}

/**
 * The condition "`column` starts with `prefix`", as a range of the column's
 * index. `column` is one of ours, never input.
 */
export function startsWith(dialect: Dialect, column: 'actor_email' | 'action', prefix: string) {
  const compared = inByteOrder(dialect, column);
  const end = prefixEnd(prefix);
  return {
    [raw(`${compared} >= ?`, [prefix])]: [],
    ...(end === null ? {} : { [raw(`${compared} < ?`, [end])]: [] }),
  };
}

/**
 * The values of `column` that start with `prefix`, in order, at most `atMost`:
 * one step of its index per value found, however many rows hold each.
 */
export async function valuesStartingWith(
  em: EntityManager,
  column: 'actor_email' | 'action',
  prefix: string,
  atMost: number,
): Promise<string[]> {
  const compared = inByteOrder(dialectOf(em), column);
  const end = prefixEnd(prefix);
  const below = end === null ? '' : ` and ${compared} < ?`;
  const next = (from: string) =>
    `(select ${column} from audit_event where ${compared} ${from}${below} order by ${compared} limit 1)`;
  const rows: { value: string }[] = await em
    .getConnection()
    .execute(
      `with recursive found(value, n) as (select ${next('>= ?')}, 1 union all select ${next('> found.value')}, n + 1 from found where found.value is not null and n < ?) select value from found where value is not null`,
      [prefix, ...(end === null ? [] : [end]), ...(end === null ? [] : [end]), atMost],
    );
  return rows.map((row) => row.value);
}

/**
 * The walks a page could take, in the order they usually read the fewest rows:
 * an app's events, an actor's, a tenant's, an organization's, an action's, and
 * the whole trail's within a time range. The reader's own part (their
 * organization, their tenants) is one of them. Null when a prefix matches nothing.
 */
async function walksOf(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
): Promise<Lead[] | null> {
  const walks: Lead[] = [];
  if (filters.appId) walks.push({ column: 'app_id', values: [filters.appId] });
  if (filters.actor) {
    const values = await valuesStartingWith(em, 'actor_email', filters.actor, MERGED_WALKS + 1);
    if (values.length === 0) return null;
    if (values.length <= MERGED_WALKS) walks.push({ column: 'actor_email', values });
  }
  const tenants =
    reader.view === 'tenant' ? reader.tenantIds : filters.tenantId ? [filters.tenantId] : undefined;
  if (tenants && tenants.length <= MERGED_WALKS) walks.push({ column: 'tenant_id', values: tenants });
  const organization =
    reader.view === 'developer'
      ? reader.organizationId
      : reader.view === 'reviewer'
        ? filters.organizationId
        : undefined;
  if (organization) walks.push({ column: 'organization_id', values: [organization] });
  if (filters.action) {
    const values = await valuesStartingWith(em, 'action', filters.action, MERGED_WALKS + 1);
    if (values.length === 0) return null;
    if (values.length <= MERGED_WALKS) walks.push({ column: 'action', values });
  }
  if (walks.length === 0 || filters.from || filters.to) walks.push({ column: null, values: [] });
  return walks;
}

/** How many rows of a walk's index are counted at most to compare it with the others. */
const COUNTED_AT_MOST = 1000;

/**
 * The walk a page takes: of those that could serve it, the one whose index
 * holds the fewest rows in the time range, counted up to `COUNTED_AT_MOST`
 * each in one statement (an app with ten events is walked rather than the
 * thousands of its organization's, a rare action rather than a busy tenant);
 * among walks past the cap, the first. Null when one of them holds no row, so
 * that no event can match.
 */
export async function leadOf(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
): Promise<Lead | null> {
  const walks = await walksOf(em, reader, filters);
  if (!walks) return null;
  const [first] = walks;
  if (!first || walks.length === 1) return first ?? null;
  const dialect = dialectOf(em);
  const counts = walks.map((walk) => {
    const qb = em
      .createQueryBuilder(AuditEvent, 'e')
      .select(raw('1 as one'))
      .where({
        ...(walk.column ? isAnyOf(dialect, walk.column, walk.values) : {}),
        ...(filters.from || filters.to
          ? {
              at: {
                ...(filters.from ? { $gte: filters.from } : {}),
                ...(filters.to ? { $lte: filters.to } : {}),
              },
            }
          : {}),
      } as FilterQuery<AuditEventEntity>)
      .limit(COUNTED_AT_MOST);
    if (dialect === 'sqlite') qb.indexHint(`indexed by ${indexOf(walk.column)}`);
    return qb.getKnexQuery().toSQL();
  });
  const rows: { walk: number; held: number }[] = await em.getConnection().execute(
    counts
      .map((c, i) => `select ${i} as walk, count(*) as held from (${c.sql}) as c${i}`)
      .join(' union all '),
    counts.flatMap((c) => c.bindings),
  );
  const held = walks.map((_, i) => Number(rows.find((row) => Number(row.walk) === i)?.held ?? 0));
  if (held.some((n) => n === 0)) return null;
  const fewest = Math.min(...held);
  return walks[held.indexOf(fewest)] ?? first;
}
