import { listedIdentityOf, type Page } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { App, type AppEntity, AppVersion } from '../../db/entities';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';

/** How many of an app's Tenant IDs the queue shows; `tenantCount` says how many it lists in all. */
export const TENANTS_SHOWN = 20;

const QUEUE_ORDER: KeysetOrder = [
  ['submittedAt', 'asc'],
  ['id', 'asc'],
];
const QUEUE_TAG = listTag('review-queue');

/** Per app: its first Tenant IDs (as listed) and how many it lists. */
interface ListedTenants {
  app_id: string;
  tenant_id: string;
  tenant_count: number | string;
}

/** The latest version's scopes of each app, in one statement. */
async function latestScopes(em: EntityManager, apps: AppEntity[]): Promise<Map<string, string[]>> {
  if (apps.length === 0) return new Map();
  const versions = await em
    .createQueryBuilder(AppVersion, 'v')
    .select('v.*')
    .join('v.app', 'a')
    .where({ app: { $in: apps.map((a) => a.id) } })
    .andWhere('v.number = a.latest_version')
    .getResultList();
  return new Map(versions.map((v) => [v.app.id, v.scopes]));
}

/** The first Tenant IDs each app lists, oldest listing first, and how many in all, in one statement. */
async function listedTenants(em: EntityManager, apps: AppEntity[]) {
  const byApp = new Map<string, { tenantIds: string[]; tenantCount: number }>(
    apps.map((a) => [a.id, { tenantIds: [], tenantCount: 0 }]),
  );
  if (apps.length === 0) return byApp;
  const rows: ListedTenants[] = await em.getConnection().execute(
    `select app_id, tenant_id, tenant_count from (
       select app_id, tenant_id,
         row_number() over (partition by app_id order by added_at, tenant_id) as position,
         count(*) over (partition by app_id) as tenant_count
       from app_tenant where app_id in (${apps.map(() => '?').join(', ')})
     ) listed
     where position <= ? order by app_id, position`,
    [...apps.map((a) => a.id), TENANTS_SHOWN],
  );
  for (const row of rows) {
    const entry = byApp.get(row.app_id);
    if (!entry) continue;
    entry.tenantIds.push(row.tenant_id);
    entry.tenantCount = Number(row.tenant_count);
  }
  return byApp;
}

/**
 * A page of the apps waiting for review, longest-waiting first, with the identity
 * proposed and the one tenants see now. Three statements a page, however long the
 * queue: the apps, their latest scopes, their first Tenant IDs.
 */
export async function reviewQueue(em: EntityManager, input: { cursor?: string | undefined; limit: number }) {
  // Every way into review (a new public app, an identity change, a resubmission) stamps submittedAt.
  const where = { reviewStatus: 'pending' as const, deletedAt: null, submittedAt: { $ne: null } };
  const after = input.cursor
    ? afterKey(QUEUE_ORDER, readListCursor(QUEUE_TAG, input.cursor, ['moment', 'id']))
    : null;
  const rows = await em.find(App, after ? { $and: [where, after] } : where, {
    orderBy: { submittedAt: 'asc', id: 'asc' },
    limit: input.limit + 1,
    populate: ['organization'],
  });
  const page = listPage(QUEUE_TAG, rows, input.limit, (app) => [app.submittedAt ?? app.createdAt, app.id]);
  const scopes = await latestScopes(em, page.items);
  const tenants = await listedTenants(em, page.items);
  const items = page.items.map((app) => ({
    appId: app.id,
    name: app.name,
    organizationName: app.organization.name,
    homePageUrl: app.homePageUrl,
    ...listedIdentityOf(app),
    kind: app.kind,
    reviewStatus: app.reviewStatus,
    scopes: scopes.get(app.id) ?? [],
    tenantIds: tenants.get(app.id)?.tenantIds ?? [],
    tenantCount: tenants.get(app.id)?.tenantCount ?? 0,
    submittedAt: app.submittedAt ?? app.createdAt,
  }));
  return { items, nextCursor: page.nextCursor } satisfies Page<(typeof items)[number]>;
}
