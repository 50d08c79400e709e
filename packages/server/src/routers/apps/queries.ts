import { notFound } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { App, type AppEntity, AppTenant, AppVersion } from '../../db/entities';
import { isUuid } from '../../db/ids';
import type { AppDetail } from './schemas';

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

export async function latestScopesOf(em: EntityManager, app: AppEntity): Promise<string[]> {
  const version = await em.findOneOrFail(AppVersion, { app: app.id, number: app.latestVersion });
  return version.scopes;
}

export async function appDetail(em: EntityManager, app: AppEntity): Promise<AppDetail> {
  const [tenantIds, scopes] = await Promise.all([tenantIdsOf(em, app.id), latestScopesOf(em, app)]);
  return {
    id: app.id,
    name: app.name,
    organizationName: app.organization.name,
    homePageUrl: app.homePageUrl,
    listedName: app.listedName ?? null,
    listedHomePageUrl: app.listedHomePageUrl ?? null,
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
