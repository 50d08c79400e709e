import { invalidField } from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { AppTenant } from '../../db/entities';
import { findOwnedApp, type OrganizationMember, tenantSummaryOf } from './queries';

/** What a change to the app's Tenant IDs left: whether the one changed is listed now, and how many are. */
export interface TenantChange {
  tenantId: string;
  listed: boolean;
  tenantCount: number;
}

async function changed(
  em: EntityManager,
  appId: string,
  tenantId: string,
  listed: boolean,
): Promise<TenantChange> {
  return { tenantId, listed, tenantCount: (await tenantSummaryOf(em, appId)).tenantCount };
}

function alreadyListed(tenantId: string) {
  return invalidField('tenantId', `Tenant ID ${tenantId} is already listed`);
}

/** Offer the app to one more tenant; the same Tenant ID twice is refused. */
export async function addTenant(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; tenantId: string },
): Promise<TenantChange> {
  try {
    await em.transactional(async (tx) => {
      const app = await findOwnedApp(tx, developer.organizationId, input.appId);
      if (await tx.count(AppTenant, { app: app.id, tenantId: input.tenantId }))
        throw alreadyListed(input.tenantId);
      tx.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: input.tenantId });
      // The tenant stays out of the event's tenant column: its admins must not learn of an app they may not see yet.
      audit(tx, developer, {
        action: 'app.tenant_added',
        organizationId: developer.organizationId,
        appId: app.id,
        after: { tenantId: input.tenantId },
      });
    });
  } catch (error) {
    // Two adds racing: the second insert meets the first's row.
    if (error instanceof UniqueConstraintViolationException) throw alreadyListed(input.tenantId);
    throw error;
  }
  return changed(em, input.appId, input.tenantId, true);
}

/** Stop offering the app to a tenant; a connection the tenant made stays. */
export async function removeTenant(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; tenantId: string },
): Promise<TenantChange> {
  await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, input.appId);
    const removed = await tx.nativeDelete(AppTenant, { app: app.id, tenantId: input.tenantId });
    if (removed === 0)
      throw invalidField('tenantId', `Tenant ID ${input.tenantId} is not listed on this app`);
    audit(tx, developer, {
      action: 'app.tenant_removed',
      organizationId: developer.organizationId,
      appId: app.id,
      before: { tenantId: input.tenantId },
    });
  });
  return changed(em, input.appId, input.tenantId, false);
}
