import {
  DomainError,
  notFound,
  oneLineTextSchema,
  tenantFacingIdentity,
  tenantIdSchema,
} from '@gatehouse/domain';
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import type { SessionUser } from '../../auth/sessions';
import { App, AuditEvent, type AuditEventEntity, Organization } from '../../db/entities';
import { containsText, startsWithText } from '../../db/text-match';
import { authedProcedure } from '../../procedures';
import { router } from '../../trpc';

const filtersInput = z.object({
  /** Whose trail: a reviewer's (everything), a developer's (their organization) or a tenant admin's (their tenants). */
  view: z.enum(['reviewer', 'developer', 'tenant']),
  organizationId: z.string().max(100).optional(),
  appId: z.string().max(100).optional(),
  tenantId: tenantIdSchema.optional(),
  actor: oneLineTextSchema(254).optional(),
  action: oneLineTextSchema(64).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});

const eventOutput = z.object({
  id: z.string(),
  at: z.date(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  organizationId: z.string().nullable(),
  organizationName: z.string().nullable(),
  appId: z.string().nullable(),
  appName: z.string().nullable(),
  tenantId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
});

type Filters = z.infer<typeof filtersInput>;

/** The caller's own part of the trail, narrowed by the filters. Nobody sees anyone else's. */
function scopedWhere(user: SessionUser, filters: Filters): FilterQuery<AuditEventEntity> {
  const where: Record<string, unknown> = {};
  if (filters.view === 'reviewer') {
    if (!user.isReviewer)
      throw new DomainError('FORBIDDEN', 'Only platform reviewers can read the whole audit trail.');
    if (filters.organizationId) where.organizationId = filters.organizationId;
    if (filters.tenantId) where.tenantId = filters.tenantId;
  } else if (filters.view === 'developer') {
    if (!user.organizationId)
      throw new DomainError('FORBIDDEN', 'This needs the Generate API Application Key permission.');
    where.organizationId = user.organizationId;
    if (filters.tenantId) where.tenantId = filters.tenantId;
  } else {
    if (user.tenantIds.length === 0)
      throw new DomainError('FORBIDDEN', 'This needs the Manage API Application Access permission.');
    if (filters.tenantId && !user.tenantIds.includes(filters.tenantId)) throw notFound('Tenant');
    where.tenantId = filters.tenantId ?? { $in: user.tenantIds };
  }
  if (filters.appId) where.appId = filters.appId;
  const text = [
    filters.actor ? containsText('actor_email', filters.actor) : {},
    filters.action ? startsWithText('action', filters.action) : {},
  ];
  if (filters.from || filters.to)
    where.at = {
      ...(filters.from ? { $gte: filters.from } : {}),
      ...(filters.to ? { $lte: filters.to } : {}),
    };
  return { ...where, ...text[0], ...text[1] } as FilterQuery<AuditEventEntity>;
}

/**
 * Names the trail's apps and organizations. Tenant admins read an app under its
 * tenant-facing identity, as everywhere else they see it, never an unreviewed name.
 */
async function withNames(em: EntityManager, events: AuditEventEntity[], view: Filters['view']) {
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
  const appName = new Map(apps.map((a) => [a.id, view === 'tenant' ? tenantFacingIdentity(a).name : a.name]));
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

export const auditRouter = router({
  list: authedProcedure
    .input(
      filtersInput.extend({
        page: z.number().int().min(1).max(100_000).default(1),
        pageSize: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({
        items: z.array(eventOutput),
        page: z.number().int(),
        pageSize: z.number().int(),
        totalCount: z.number().int(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const [events, totalCount] = await ctx.em.findAndCount(AuditEvent, scopedWhere(ctx.user, input), {
        orderBy: { at: 'desc', id: 'asc' },
        limit: input.pageSize,
        offset: (input.page - 1) * input.pageSize,
      });
      return {
        items: await withNames(ctx.em, events, input.view),
        page: input.page,
        pageSize: input.pageSize,
        totalCount,
      };
    }),

  /** The filtered trail as CSV (newest first, at most 10,000 events). */
  exportCsv: authedProcedure
    .input(filtersInput)
    .output(z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }))
    .query(async ({ ctx, input }) => {
      const events = await withNames(
        ctx.em,
        await ctx.em.find(AuditEvent, scopedWhere(ctx.user, input), {
          orderBy: { at: 'desc', id: 'asc' },
          limit: 10_000,
        }),
        input.view,
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
    }),
});
