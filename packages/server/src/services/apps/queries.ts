import { notFound } from '@gatehouse/domain';
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

export async function tenantIdsOf(em: EntityManager, appId: string): Promise<string[]> {
  const rows = await em.find(AppTenant, { app: appId }, { orderBy: { addedAt: 'asc', tenantId: 'asc' } });
  return rows.map((row) => row.tenantId);
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

/** The app as its developers see it (load `organization`). */
export async function appDetail(em: EntityManager, app: AppEntity) {
  const [tenantIds, scopes] = await Promise.all([tenantIdsOf(em, app.id), latestScopesOf(em, app)]);
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
    tenantIds,
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/** Reads the app afresh after a change: a unit of work of its own, so no row it held before is reused. */
export async function ownedAppDetail(em: EntityManager, organizationId: string, appId: string) {
  const fresh = em.fork();
  return appDetail(fresh, await findOwnedApp(fresh, organizationId, appId));
}
