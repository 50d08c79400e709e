import type { Page } from '@gatehouse/domain';
import type { FilterQuery, InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { AppTenant } from '../../db/entities';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { prefixEnd } from './connection-tenants';
import { findOwnedApp, type OrganizationMember } from './queries';

type AppTenantEntity = InferEntity<typeof AppTenant>;

/** A Tenant ID the app lists, and when it was added. */
export interface ListedTenant {
  tenantId: string;
  addedAt: Date;
}

/**
 * The app's Tenant IDs, a page at a time in Tenant ID order; a search keeps
 * those that start with it. The Tenant ID is unique within an app, so it alone
 * is the page's key, and the unique (app, Tenant ID) index serves the app, the
 * search (a range, not LIKE) and the order on both databases. Two statements
 * whatever the number of tenants: the app, then the page.
 */
export async function listedTenants(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; cursor?: string | undefined; limit: number; search?: string | undefined },
): Promise<Page<ListedTenant>> {
  const app = await findOwnedApp(em, developer.organizationId, input.appId);
  const search = input.search || undefined;
  const tag = listTag('apps.tenants', app.id, search);
  const where: FilterQuery<AppTenantEntity>[] = [{ app: app.id }];
  if (search) {
    const end = prefixEnd(search);
    where.push({ tenantId: end === null ? { $gte: search } : { $gte: search, $lt: end } });
  }
  if (input.cursor) where.push({ tenantId: { $gt: String(readListCursor(tag, input.cursor, ['text'])[0]) } });
  const rows = await em.find(
    AppTenant,
    { $and: where },
    { fields: ['tenantId', 'addedAt'], orderBy: { tenantId: 'asc' }, limit: input.limit + 1 },
  );
  const page = listPage(tag, rows, input.limit, (row) => [row.tenantId]);
  return {
    items: page.items.map((row) => ({ tenantId: row.tenantId, addedAt: row.addedAt })),
    nextCursor: page.nextCursor,
  };
}
