import {
  INVITATION_KINDS,
  invitationIdSchema,
  inviteTenantAdminSchema,
  memberRoleSchema,
  memberSchema,
  ORG_ROLES,
  tenantIdSchema,
} from '@gatehouse/domain';
import { z } from 'zod';

const role = z.enum(ORG_ROLES);

export const memberOutput = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role,
  joinedAt: z.date(),
  /** The caller. */
  isYou: z.boolean(),
});

/** An invitation still waiting: never its token, which was shown once. */
export const pendingInvitationOutput = z.object({
  invitationId: z.string(),
  email: z.string(),
  /** The role it gives (organization invitations); null for a tenant's. */
  role: role.nullable(),
  invitedByEmail: z.string().nullable(),
  createdAt: z.date(),
  expiresAt: z.date(),
});

export const teamOutput = z.object({
  organizationName: z.string(),
  members: z.array(memberOutput),
  /** Pending invitations; only Owners see them (an empty list for Developers). */
  invitations: z.array(pendingInvitationOutput),
});

/** A new invitation: its token is in this answer once, for the link the sender passes on. */
export const invitationCreatedOutput = z.object({
  invitationId: z.string(),
  email: z.string(),
  token: z.string(),
  expiresAt: z.date(),
});

export const tenantAdminOutput = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  isYou: z.boolean(),
});

export const tenantAdminsOutput = z.object({
  tenantId: z.string(),
  tenantName: z.string(),
  admins: z.array(tenantAdminOutput),
  invitations: z.array(pendingInvitationOutput),
});

export const tenantInput = z.object({ tenantId: tenantIdSchema });
export const tenantInvitationInput = tenantInput.extend(invitationIdSchema.shape);
export const tenantMemberInput = tenantInput.extend(memberSchema.shape);
export { invitationIdSchema, inviteTenantAdminSchema, memberRoleSchema, memberSchema };

/** What a link invites to, before it is accepted (no sign-in needed). */
export const invitationOutput = z.object({
  kind: z.enum(INVITATION_KINDS),
  email: z.string(),
  /** The organization's name, or the tenant's. */
  to: z.string(),
  tenantId: z.string().nullable(),
  role: role.nullable(),
  invitedByName: z.string().nullable(),
  expiresAt: z.date(),
  /** Whether an account with this email exists: then it accepts signed in, with no name or password. */
  hasAccount: z.boolean(),
});
