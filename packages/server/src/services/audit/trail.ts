import { type AuditFilters, DomainError, type Page, tenantFacingIdentity } from '@gatehouse/domain';
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { App, AuditEvent, type AuditEventEntity, Organization } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { afterKey, decodeCursor, type KeysetOrder, pageFrom, STALE } from '../../db/keyset';
import type { Dialect } from '../../db/orm';
import { dialectOf, indexOf, isAnyOf, type Lead, leadOf, startsWith, type TrailReader } from './lead';

export type { TrailReader } from './lead';

/** Newest first; the id settles ties in `at`, so pages neither repeat nor skip an event. */
const NEWEST_FIRST: KeysetOrder = [
  ['at', 'desc'],
  ['id', 'desc'],
];

/** Where a cursor says the last page ended: a moment and an id, or INVALID_INPUT for anything else. */
function positionOf(cursor: string): [Date, string] {
  const [at, id] = decodeCursor(cursor, NEWEST_FIRST.length);
  if (!(at instanceof Date) || typeof id !== 'string' || !isUuid(id))
    throw new DomainError('INVALID_INPUT', STALE);
  return [at, id];
}

/**
 * The reader's own part of the trail, narrowed by the filters. Nobody sees anyone
 * else's: a tenant admin's reader names their tenants (or the one asked for) already.
 */
function whereFor(
  dialect: Dialect,
  reader: TrailReader,
  filters: AuditFilters,
): FilterQuery<AuditEventEntity> {
  const where: Record<string, unknown> = {};
  if (reader.view === 'reviewer') {
    if (filters.organizationId) where.organizationId = filters.organizationId;
    if (filters.tenantId) where.tenantId = filters.tenantId;
  } else if (reader.view === 'developer') {
    where.organizationId = reader.organizationId;
    if (filters.tenantId) where.tenantId = filters.tenantId;
  } else {
    where.tenantId = { $in: reader.tenantIds };
  }
  if (filters.appId) where.appId = filters.appId;
  if (filters.from || filters.to)
    where.at = {
      ...(filters.from ? { $gte: filters.from } : {}),
      ...(filters.to ? { $lte: filters.to } : {}),
    };
  return {
    ...where,
    ...(filters.actor ? startsWith(dialect, 'actor_email', filters.actor) : {}),
    ...(filters.action ? startsWith(dialect, 'action', filters.action) : {}),
  } as FilterQuery<AuditEventEntity>;
}

/**
 * The first `limit + 1` events of the reader's filtered trail after `cursor`, newest
 * first, in one statement: one walk of the lead's index per value, each stopping
 * after `limit + 1` rows, merged. SQLite keeps no statistics to choose an index by,
 * so it is told which; PostgreSQL chooses by its own.
 */
async function readEvents(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
  lead: Lead,
  page: { cursor?: string | undefined; limit: number },
): Promise<EventRow[]> {
  const dialect = dialectOf(em);
  const after = page.cursor ? positionOf(page.cursor) : null;
  const walk = (value?: string) => {
    const where = [whereFor(dialect, reader, filters)];
    if (lead.column && value !== undefined) where.push(isAnyOf(dialect, lead.column, [value]));
    if (after) where.push(afterKey(NEWEST_FIRST, after));
    const qb = em
      .createQueryBuilder(AuditEvent, 'e')
      .select('*')
      .where({ $and: where } as FilterQuery<AuditEventEntity>)
      .orderBy({ at: 'desc', id: 'desc' })
      .limit(page.limit + 1);
    if (dialect === 'sqlite') qb.indexHint(`indexed by ${indexOf(lead.column)}`);
    return qb;
  };
  const walks = (lead.values.length ? lead.values : [undefined]).map((v) => walk(v).getKnexQuery().toSQL());
  const merged =
    walks.length === 1 && walks[0]
      ? { sql: walks[0].sql, bindings: [...walks[0].bindings] }
      : {
          sql: `${walks.map((w, i) => `select * from (${w.sql}) as w${i}`).join(' union all ')} order by "at" desc, "id" desc limit ?`,
          bindings: [...walks.flatMap((w) => w.bindings), page.limit + 1],
        };
  const rows: Record<string, unknown>[] = await em.getConnection().execute(merged.sql, merged.bindings);
  return rows.map((row) => eventOf(em, row));
}

type EventRow = Pick<
  AuditEventEntity,
  'id' | 'at' | 'actorEmail' | 'action' | 'organizationId' | 'appId' | 'tenantId' | 'before' | 'after'
>;

/**
 * A row as its properties, converted as the ORM converts them (moments, JSON on
 * SQLite), without making an entity of it: an export reads thousands.
 */
function eventOf(em: EntityManager, row: Record<string, unknown>): EventRow {
  const meta = em.getMetadata().get<AuditEventEntity>(AuditEvent.meta.className);
  const event = em.getDriver().mapResult(row, meta) as EventRow;
  const json = (property: 'before' | 'after') =>
    meta.properties[property].customType?.convertToJSValue(event[property], em.getPlatform()) ?? null;
  return { ...event, before: json('before'), after: json('after') };
}

/**
 * Names the trail's apps and organizations. Tenant admins read an app under its
 * tenant-facing identity, as everywhere else they see it, never an unreviewed name.
 */
async function withNames(em: EntityManager, events: EventRow[], reader: TrailReader) {
  const appIds = [...new Set(events.map((e) => e.appId).filter((id): id is string => Boolean(id)))];
  const orgIds = [...new Set(events.map((e) => e.organizationId).filter((id): id is string => Boolean(id)))];
  const [apps, orgs] = await Promise.all([
    appIds.length
      ? em.find(
          App,
          { id: { $in: appIds } },
          { fields: ['id', 'name', 'homePageUrl', 'listedName', 'listedHomePageUrl'] },
        )
      : [],
    orgIds.length ? em.find(Organization, { id: { $in: orgIds } }, { fields: ['id', 'name'] }) : [],
  ]);
  const appName = new Map(
    apps.map((a) => [a.id, reader.view === 'tenant' ? tenantFacingIdentity(a).name : a.name]),
  );
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  return events.map((e) => ({
    id: e.id,
    at: e.at,
    actorEmail: e.actorEmail ?? null,
    action: e.action,
    organizationId: e.organizationId ?? null,
    organizationName: e.organizationId ? (orgName.get(e.organizationId) ?? null) : null,
    appId: e.appId ?? null,
    appName: e.appId ? (appName.get(e.appId) ?? null) : null,
    tenantId: e.tenantId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
  }));
}

/** An event of the trail as its reader sees it, with its app's and organization's names. */
export type TrailEvent = Awaited<ReturnType<typeof withNames>>[number];

/**
 * One page of the reader's trail, newest first, and the cursor of the next:
 * a few statements whatever the trail's size, none of them counting it.
 */
export async function auditTrailPage(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
  page: { cursor?: string | undefined; limit: number },
): Promise<Page<TrailEvent>> {
  // A malformed cursor is refused before any statement runs.
  if (page.cursor) positionOf(page.cursor);
  const lead = await leadOf(em, reader, filters);
  if (!lead) return { items: [], nextCursor: null };
  const events = pageFrom(await readEvents(em, reader, filters, lead, page), page.limit, (e) => [e.at, e.id]);
  return { items: await withNames(em, events.items, reader), nextCursor: events.nextCursor };
}
