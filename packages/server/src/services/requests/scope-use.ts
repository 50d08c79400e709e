import { SCOPE_USE_DAYS } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { ScopeUse } from '../../db/entities';
import { ANY } from '../../requests/rollups';
import type { scopeUseOutput } from '../../routers/requests/schemas';
import { findOwnedApp, latestScopesOf, type OrganizationMember, scopesOfVersion } from '../apps/queries';
import { findTenantConnection, type TenantAdminActor } from '../connections/lookup';

type ScopeUseView = z.infer<typeof scopeUseOutput>;

/**
 * Of `scopes`, in their own order, those a call let through by the gate needed since SCOPE_USE_DAYS days
 * ago under `where` (one tenant and environment, or `*`/`*` for any), with when last; and those none did.
 */
async function scopeUseOf(
  em: EntityManager,
  where: { appId: string; tenantId: string; environment: string },
  version: number | null,
  scopes: string[],
  now = Date.now(),
): Promise<ScopeUseView> {
  const since = new Date(now - SCOPE_USE_DAYS * 86_400_000);
  const rows = scopes.length
    ? await em.find(ScopeUse, { ...where, scope: { $in: scopes }, lastUsedAt: { $gte: since } })
    : [];
  const lastUse = new Map(rows.map((row) => [row.scope, row.lastUsedAt]));
  return {
    version,
    since,
    used: scopes.flatMap((scope) => {
      const lastUsedAt = lastUse.get(scope);
      return lastUsedAt ? [{ scope, lastUsedAt }] : [];
    }),
    unused: scopes.filter((scope) => !lastUse.has(scope)),
  };
}

/** The least-privilege advisor for a developer: the latest version's scopes against calls in any tenant. */
export async function appScopeUse(
  em: EntityManager,
  member: OrganizationMember,
  appId: string,
): Promise<ScopeUseView> {
  const app = await findOwnedApp(em, member.organizationId, appId);
  const scopes = await latestScopesOf(em, app);
  return scopeUseOf(em, { appId: app.id, tenantId: ANY, environment: ANY }, app.latestVersion, scopes);
}

/**
 * For a tenant admin: the scopes of the version the connection accepted against that tenant's calls in
 * that environment. A connection never allowed has no scopes in play.
 */
export async function connectionScopeUse(
  em: EntityManager,
  admin: TenantAdminActor,
  connectionId: string,
): Promise<ScopeUseView> {
  const connection = await findTenantConnection(em, admin, connectionId);
  const appId = connection.app.id;
  const version = connection.acceptedVersion ?? null;
  const scopes = version === null ? [] : await scopesOfVersion(em, appId, version);
  const where = { appId, tenantId: connection.tenant.id, environment: connection.environment };
  return scopeUseOf(em, where, version, scopes);
}
