import { isVisibleToTenant, notFound } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { Actor } from '../../audit';
import { App, type AppEntity, AppTenant, Connection, type ConnectionEntity } from '../../db/entities';
import { isUuid } from '../../db/ids';

/** An admin of one or more tenants, as the tenant-admin procedures pass them in. */
export type TenantAdminActor = Actor & { tenantIds: string[] };

/** A connection on one of the admin's tenants, with its app and organization, or NOT_FOUND. */
export async function findTenantConnection(
  em: EntityManager,
  admin: TenantAdminActor,
  connectionId: string,
): Promise<ConnectionEntity> {
  const connection = isUuid(connectionId)
    ? await em.findOne(
        Connection,
        { id: connectionId, tenant: { $in: admin.tenantIds } },
        { populate: ['app', 'app.organization'] },
      )
    : null;
  if (!connection) throw notFound('Connection');
  return connection;
}

/** The app as the tenant may see it, or NOT_FOUND. */
export async function findVisibleApp(em: EntityManager, tenantId: string, appId: string): Promise<AppEntity> {
  const app = isUuid(appId) ? await em.findOne(App, { id: appId }, { populate: ['organization'] }) : null;
  const listed = app ? (await em.count(AppTenant, { app: app.id, tenantId })) > 0 : false;
  if (!app || !isVisibleToTenant(app, listed)) throw notFound('App');
  return app;
}

/** The tenant's connection to the app in one environment, if any, with its app and organization. */
export async function findConnection(
  em: EntityManager,
  where: { appId: string; tenantId: string; environment: ConnectionEntity['environment'] },
): Promise<ConnectionEntity | null> {
  return em.findOne(
    Connection,
    { app: where.appId, tenant: where.tenantId, environment: where.environment },
    { populate: ['app', 'app.organization'] },
  );
}

/**
 * Which of these apps still list the tenant: one query keyed by one tenant and a
 * page's app ids (`tenant_id = ? and app_id in (…)`), however many connections it has.
 */
export async function offeredTenants(
  em: EntityManager,
  tenantId: string,
  appIds: string[],
): Promise<Set<string>> {
  if (appIds.length === 0) return new Set();
  const rows = await em.find(AppTenant, { tenantId, app: { $in: [...new Set(appIds)] } });
  return new Set(rows.map((r) => r.app.id));
}
