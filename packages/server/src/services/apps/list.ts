import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { App, AppTenant } from '../../db/entities';
import { containsText } from '../../db/text-match';

/** The organization's live apps, newest first, a page at a time, with how many tenants each is offered to. */
export async function listApps(
  em: EntityManager,
  organizationId: string,
  input: { page: number; pageSize: number; search?: string | undefined },
) {
  const where = {
    organization: organizationId,
    deletedAt: null,
    ...(input.search ? containsText('name', input.search) : {}),
  };
  const [apps, totalCount] = await em.findAndCount(App, where, {
    orderBy: { createdAt: 'desc', id: 'asc' },
    limit: input.pageSize,
    offset: (input.page - 1) * input.pageSize,
  });
  const counts = new Map<string, number>();
  if (apps.length > 0) {
    const rows: { app_id: string; n: number | string }[] = await em
      .createQueryBuilder(AppTenant, 't')
      .select(['t.app_id', raw('count(*) as n')])
      .where({ app: { $in: apps.map((a) => a.id) } })
      .groupBy('t.app_id')
      .execute('all', false);
    for (const row of rows) counts.set(row.app_id, Number(row.n));
  }
  return {
    items: apps.map((app) => ({
      id: app.id,
      name: app.name,
      kind: app.kind,
      reviewStatus: app.reviewStatus,
      submittedAt: app.submittedAt ?? null,
      latestVersion: app.latestVersion,
      tenantCount: counts.get(app.id) ?? 0,
      createdAt: app.createdAt,
    })),
    page: input.page,
    pageSize: input.pageSize,
    totalCount,
  };
}
