import { z } from 'zod';
import { tenantIdSchema } from './app';
import { newPasswordSchema, personNameSchema, workEmailSchema } from './review';

/**
 * An organization's members: Owners manage the team (invite, change roles,
 * remove); Developers manage the apps. The first approved requester of an
 * organization is its Owner, and an organization always keeps one.
 */
export const ORG_ROLES = ['owner', 'developer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const ORG_ROLE_LABELS: Record<OrgRole, string> = { owner: 'Owner', developer: 'Developer' };

/** What an invitation makes its acceptor: a member of an organization, or an admin of a tenant. */
export const INVITATION_KINDS = ['organization', 'tenant'] as const;
export type InvitationKind = (typeof INVITATION_KINDS)[number];

/** How long an invitation link works, as a set-password link. */
export const INVITATION_TTL_HOURS = 72;
/** Invitations one person may send in an hour, across organizations and tenants. */
export const INVITATIONS_PER_HOUR = 20;
/** Invitations one organization or one tenant may receive in an hour, whoever sends them. */
export const INVITATIONS_PER_SCOPE_PER_HOUR = 50;

const roleSchema = z.enum(ORG_ROLES, { error: 'Choose Owner or Developer' });

export const inviteMemberSchema = z.object({ email: workEmailSchema, role: roleSchema });
export type InviteMemberInput = z.output<typeof inviteMemberSchema>;

export const memberRoleSchema = z.object({ userId: z.string().max(100), role: roleSchema });
export const memberSchema = z.object({ userId: z.string().max(100) });
export const invitationIdSchema = z.object({ invitationId: z.string().max(100) });

export const inviteTenantAdminSchema = z.object({ tenantId: tenantIdSchema, email: workEmailSchema });

/** An invitation's one-time token, as its link carries it. */
export const invitationTokenSchema = z.object({ token: z.string().min(1).max(200) });

/**
 * Accepting: a newcomer gives a name and a password (the account is made
 * then); someone with an account accepts signed in as that account, with neither.
 */
export const acceptInvitationSchema = invitationTokenSchema.extend({
  name: personNameSchema.optional(),
  password: newPasswordSchema.optional(),
});
export type AcceptInvitationInput = z.output<typeof acceptInvitationSchema>;

/** When an invitation sent at `sentAt` stops working. */
export function invitationExpiry(sentAt: Date): Date {
  return new Date(sentAt.getTime() + INVITATION_TTL_HOURS * 3600_000);
}

/**
 * Whether taking the Owner role from a member (a new role, or leaving) leaves the
 * organization without one: `owners` counts its Owners, the member included.
 */
export function leavesNoOwner(memberRole: OrgRole, owners: number): boolean {
  return memberRole === 'owner' && owners <= 1;
}

/** Whether removing an admin leaves the tenant without one: `admins` counts them, the one removed included. */
export function leavesNoAdmin(admins: number): boolean {
  return admins <= 1;
}
