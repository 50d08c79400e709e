import { DomainError, leavesNoAdmin, notFound } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import type { SessionUser } from '../../auth/sessions';
import { Tenant, TenantAdmin } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { issueInvitation, lockScope, pendingInvitations, revokeInvitation, revokeSentBy } from './issuing';
import type { InvitationCreated, PendingInvitation } from './members';

// The caller's admin rights on the tenant are checked by tenantProcedure before any of these runs.

export interface TenantAdminView {
  userId: string;
  name: string;
  email: string;
  isYou: boolean;
}

const LAST_ADMIN = 'A tenant needs an admin: invite another admin before removing this one.';

/** The tenant's admins by name, and the invitations to join them still pending. */
export async function listTenantAdmins(
  em: EntityManager,
  admin: SessionUser,
  tenantId: string,
): Promise<{
  tenantId: string;
  tenantName: string;
  admins: TenantAdminView[];
  invitations: PendingInvitation[];
}> {
  const tenant = await em.findOneOrFail(Tenant, { id: tenantId });
  const grants = await em.find(TenantAdmin, { tenant: tenantId }, { populate: ['user'] });
  const admins = grants
    .map(({ user }) => ({ userId: user.id, name: user.name, email: user.email, isYou: user.id === admin.id }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  return {
    tenantId,
    tenantName: tenant.name,
    admins,
    invitations: await pendingInvitations(em, { tenantId }),
  };
}

/** Invites `email` to administer the tenant too; someone already its admin is refused. */
export async function inviteTenantAdmin(
  em: EntityManager,
  admin: SessionUser,
  input: { tenantId: string; email: string },
): Promise<InvitationCreated> {
  return em.transactional(async (tx) => {
    if (await tx.count(TenantAdmin, { tenant: input.tenantId, user: { email: input.email } }))
      throw new DomainError('CONFLICT', `${input.email} is already an admin of this tenant.`);
    return issueInvitation(tx, admin, { kind: 'tenant', tenantId: input.tenantId }, input.email);
  });
}

export async function revokeTenantInvitation(
  em: EntityManager,
  admin: SessionUser,
  input: { tenantId: string; invitationId: string },
): Promise<void> {
  await revokeInvitation(em, admin, { tenantId: input.tenantId }, input.invitationId);
}

/**
 * Takes the admin's rights on the tenant away, and revokes the invitations they sent to it: sessions read their tenants on every request,
 * so access ends with their next call. Never the tenant's last admin, the caller included.
 */
export async function removeTenantAdmin(
  em: EntityManager,
  admin: SessionUser,
  input: { tenantId: string; userId: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    await lockScope(tx, { tenantId: input.tenantId });
    const grant = isUuid(input.userId)
      ? await tx.findOne(TenantAdmin, { tenant: input.tenantId, user: input.userId }, { populate: ['user'] })
      : null;
    if (!grant) throw notFound('Tenant admin');
    if (leavesNoAdmin(await tx.count(TenantAdmin, { tenant: input.tenantId })))
      throw new DomainError('CONFLICT', LAST_ADMIN);
    tx.remove(grant);
    await revokeSentBy(tx, admin, { tenantId: input.tenantId }, grant.user.id);
    audit(tx, admin, {
      action: 'tenant.admin_removed',
      tenantId: input.tenantId,
      before: { userId: grant.user.id, email: grant.user.email },
      touched: { data: { userId: grant.user.id } },
    });
  });
}
