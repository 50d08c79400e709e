import type { EntityManager } from '@mikro-orm/knex';
import type { SessionUser } from '../../auth/sessions';
import type { InvitationCreated, PendingInvitation } from './members';

// Contract only: a tenant's admins, as the team router calls it. The caller's admin rights on the tenant are checked by tenantProcedure.

export interface TenantAdminView {
  userId: string;
  name: string;
  email: string;
  isYou: boolean;
}

export async function listTenantAdmins(
  _em: EntityManager,
  _admin: SessionUser,
  _tenantId: string,
): Promise<{
  tenantId: string;
  tenantName: string;
  admins: TenantAdminView[];
  invitations: PendingInvitation[];
}> {
  throw new Error('not built yet');
}

export async function inviteTenantAdmin(
  _em: EntityManager,
  _admin: SessionUser,
  _input: { tenantId: string; email: string },
): Promise<InvitationCreated> {
  throw new Error('not built yet');
}

export async function revokeTenantInvitation(
  _em: EntityManager,
  _admin: SessionUser,
  _input: { tenantId: string; invitationId: string },
): Promise<void> {
  throw new Error('not built yet');
}

/** Never the tenant's last admin. */
export async function removeTenantAdmin(
  _em: EntityManager,
  _admin: SessionUser,
  _input: { tenantId: string; userId: string },
): Promise<void> {
  throw new Error('not built yet');
}
