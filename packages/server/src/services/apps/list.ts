import type { Page } from '@gatehouse/domain';
import { type FilterQuery, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { App, type AppEntity, AppTenant } from '../../db/entities';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { containsText } from '../../db/text-match';

/** Newest first; the id settles apps made in the same instant. Served by `app_organization_live_index`. */
const ORDER: KeysetOrder = [
  ['createdAt', 'desc'],
  ['id', 'desc'],
];

export interface AppSummary {
  id: string;
  name: string;
  kind: AppEntity['kind'];
  reviewStatus: AppEntity['reviewStatus'];
  submittedAt: Date | null;
  latestVersion: number;
  tenantCount: number;
  createdAt: Date;
}

/**
 * My Apps: the organization's live apps, newest first, a page at a time, with
 * how many tenants each is offered to. A search keeps the apps whose name
 * contains it, in any letter case.
 */
export async function listApps(
  em: EntityManager,
  organizationId: string,
  input: { cursor?: string | undefined; limit: number; search?: string | undefined },
): Promise<Page<AppSummary>> {
  const search = input.search || undefined;
  const tag = listTag('apps.list', organizationId, search);
  const where: FilterQuery<AppEntity>[] = [{ organization: organizationId, deletedAt: null }];
  if (search) where.push(containsText('name', search));
  if (input.cursor)
    where.push(
      afterKey(ORDER, readListCursor(tag, input.cursor, ['moment', 'id'])) as FilterQuery<AppEntity>,
    );
  const rows = await em.find(
    App,
    { $and: where },
    {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: input.limit + 1,
    },
  );
  const page = listPage(tag, rows, input.limit, (app) => [app.createdAt, app.id]);
  const counts = await tenantCounts(
    em,
    page.items.map((app) => app.id),
  );
  return {
    items: page.items.map((app) => ({
      id: app.id,
      name: app.name,
      kind: app.kind,
      reviewStatus: app.reviewStatus,
      submittedAt: app.submittedAt ?? null,
      latestVersion: app.latestVersion,
      tenantCount: counts.get(app.id) ?? 0,
      createdAt: app.createdAt,
    })),
    nextCursor: page.nextCursor,
  };
}

/** How many Tenant IDs each of a page's apps lists: one grouped count for the page. */
async function tenantCounts(em: EntityManager, appIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (appIds.length === 0) return counts;
  const rows: { app_id: string; n: number | string }[] = await em
    .createQueryBuilder(AppTenant, 't')
    .select(['t.app_id', raw('count(*) as n')])
    .where({ app: { $in: appIds } })
    .groupBy('t.app_id')
    .execute('all', false);
  for (const row of rows) counts.set(row.app_id, Number(row.n));
  return counts;
}
