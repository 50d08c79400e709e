import { type AuditFilters, tenantFacingIdentity } from '@gatehouse/domain';
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { App, AuditEvent, type AuditEventEntity, Organization } from '../../db/entities';
import { containsText, startsWithText } from '../../db/text-match';

/**
 * Whose part of the trail a caller reads, once their permission for the view is
 * checked: everything (reviewers), their organization's (developers), or their
 * tenants' (tenant admins).
 */
export type TrailReader =
  | { view: 'reviewer' }
  | { view: 'developer'; organizationId: string }
  | { view: 'tenant'; tenantIds: string[] };

/** At most this many events go into one CSV export. */
const EXPORT_LIMIT = 10_000;

/**
 * The reader's own part of the trail, narrowed by the filters. Nobody sees anyone
 * else's: a tenant admin's reader names their tenants (or the one asked for) already.
 */
function whereFor(reader: TrailReader, filters: AuditFilters): FilterQuery<AuditEventEntity> {
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
    ...(filters.actor ? containsText('actor_email', filters.actor) : {}),
    ...(filters.action ? startsWithText('action', filters.action) : {}),
  } as FilterQuery<AuditEventEntity>;
}

const newestFirst = { orderBy: { at: 'desc', id: 'asc' } } as const;

/**
 * Names the trail's apps and organizations. Tenant admins read an app under its
 * tenant-facing identity, as everywhere else they see it, never an unreviewed name.
 */
async function withNames(em: EntityManager, events: AuditEventEntity[], reader: TrailReader) {
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
    orgIds.length ? em.find(Organization, { id: { $in: orgIds } }) : [],
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

/** One page of the reader's trail, newest first. */
export async function auditTrailPage(
  em: EntityManager,
  reader: TrailReader,
  filters: AuditFilters,
  page: { page: number; pageSize: number },
) {
  const [events, totalCount] = await em.findAndCount(AuditEvent, whereFor(reader, filters), {
    ...newestFirst,
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  });
  return { items: await withNames(em, events, reader), ...page, totalCount };
}

const csvCell = (value: unknown) => {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : value instanceof Date
          ? value.toISOString()
          : JSON.stringify(value);
  // Quote always; neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
};

/** The reader's filtered trail as CSV, newest first, at most `EXPORT_LIMIT` events. */
export async function auditTrailCsv(em: EntityManager, reader: TrailReader, filters: AuditFilters) {
  const events = await withNames(
    em,
    await em.find(AuditEvent, whereFor(reader, filters), { ...newestFirst, limit: EXPORT_LIMIT }),
    reader,
  );
  const header = ['at', 'actor', 'action', 'organization', 'app', 'app_id', 'tenant', 'before', 'after'];
  const lines = events.map((e) =>
    [e.at, e.actorEmail, e.action, e.organizationName, e.appName, e.appId, e.tenantId, e.before, e.after]
      .map(csvCell)
      .join(','),
  );
  return {
    filename: `gatehouse-audit-${new Date().toISOString().slice(0, 10)}.csv`,
    csv: `${[header.join(','), ...lines].join('\r\n')}\r\n`,
    rows: events.length,
  };
}
