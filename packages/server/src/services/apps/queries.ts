import { notFound } from '@gatehouse/domain';
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { Actor } from '../../audit';
import { App, type AppEntity, AppTenant, AppVersion } from '../../db/entities';
import { isUuid } from '../../db/ids';

/** A member of an organization acting on its apps, as the developer procedures pass them in. */
export type OrganizationMember = Actor & { organizationId: string; organizationName: string };

/** The organization's live app, or NOT_FOUND — the same answer for missing, deleted, foreign and malformed ids. */
export async function findOwnedApp(
  em: EntityManager,
  organizationId: string,
  appId: string,
): Promise<AppEntity> {
  const app = isUuid(appId)
    ? await em.findOne(
        App,
        { id: appId, organization: organizationId, deletedAt: null },
        { populate: ['organization'] },
      )
    : null;
  if (!app) throw notFound('App');
  return app;
}

/** How many Tenant IDs the app lists, and the first of them in Tenant ID order (null when none). */
export interface TenantSummary {
  tenantCount: number;
  firstTenantId: string | null;
}

/**
 * The app's Tenant IDs in brief: one statement over the unique (app, Tenant ID)
 * index, whatever the number of tenants; the Tenant IDs themselves are read a
 * page at a time (`listedTenants`).
 */
export async function tenantSummaryOf(em: EntityManager, appId: string): Promise<TenantSummary> {
  const [row]: { n: number | string; first: string | null }[] = await em
    .createQueryBuilder(AppTenant, 't')
    .select([raw('count(*) as n'), raw('min(t.tenant_id) as first')])
    .where({ app: appId })
    .execute('all', false);
  return { tenantCount: Number(row?.n ?? 0), firstTenantId: row?.first ?? null };
}

export async function scopesOfVersion(em: EntityManager, appId: string, number: number): Promise<string[]> {
  return (await em.findOneOrFail(AppVersion, { app: appId, number })).scopes;
}

export async function latestScopesOf(em: EntityManager, app: AppEntity): Promise<string[]> {
  return scopesOfVersion(em, app.id, app.latestVersion);
}

/** The identity the developer gives the app beside the one tenants see now (load `organization`). */
export function appIdentities(app: AppEntity) {
  return {
    name: app.name,
    organizationName: app.organization.name,
    homePageUrl: app.homePageUrl,
    listedName: app.listedName ?? null,
    listedHomePageUrl: app.listedHomePageUrl ?? null,
  };
}

/** The app as its developers see it (load `organization`): its Tenant IDs counted, not listed. */
export async function appDetail(em: EntityManager, app: AppEntity) {
  const [tenants, scopes] = await Promise.all([tenantSummaryOf(em, app.id), latestScopesOf(em, app)]);
  return {
    id: app.id,
    ...appIdentities(app),
    firstApprovedAt: app.firstApprovedAt ?? null,
    kind: app.kind,
    credentialsMode: app.credentialsMode,
    reviewStatus: app.reviewStatus,
    reviewReason: app.reviewReason ?? null,
    submittedAt: app.submittedAt ?? null,
    appKey: app.appKey,
    latestVersion: app.latestVersion,
    scopes,
    ...tenants,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/** Reads the app afresh after a change: a unit of work of its own, so no row it held before is reused. */
export async function ownedAppDetail(em: EntityManager, organizationId: string, appId: string) {
  const fresh = em.fork();
  return appDetail(fresh, await findOwnedApp(fresh, organizationId, appId));
}
