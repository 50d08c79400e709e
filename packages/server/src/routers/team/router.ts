import { acceptInvitationSchema, invitationTokenSchema, inviteMemberSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { sessionUserOutput } from '../../auth/sessions';
import { developerProcedure, ownerProcedure, publicProcedure, tenantProcedure } from '../../procedures';
import { acceptInvitation, invitationFor } from '../../services/teams/invitations';
import {
  changeMemberRole,
  inviteMember,
  listTeam,
  removeMember,
  revokeMemberInvitation,
} from '../../services/teams/members';
import {
  inviteTenantAdmin,
  listTenantAdmins,
  removeTenantAdmin,
  revokeTenantInvitation,
} from '../../services/teams/tenant-admins';
import { router } from '../../trpc';
import {
  invitationCreatedOutput,
  invitationIdSchema,
  invitationOutput,
  inviteTenantAdminSchema,
  memberOutput,
  memberRoleSchema,
  memberSchema,
  teamOutput,
  tenantAdminsOutput,
} from './schemas';

const done = <K extends string>(key: K) =>
  z.object({ [key]: z.literal(true) } as Record<K, z.ZodLiteral<true>>);

/**
 * Teams: an organization's members (Owners invite, change roles and remove; a removed member's
 * sessions end at once) and a tenant's admins (each admin may invite another); invitations are
 * one-time links, accepted here without a session by newcomers.
 */
export const teamRouter = router({
  members: developerProcedure.output(teamOutput).query(({ ctx }) => listTeam(ctx.em, ctx.developer)),

  invite: ownerProcedure
    .meta({ access: 'unchanged' })
    .input(inviteMemberSchema)
    .output(invitationCreatedOutput)
    .mutation(({ ctx, input }) => inviteMember(ctx.em, ctx.developer, input)),

  revokeInvitation: ownerProcedure
    .meta({ access: 'unchanged' })
    .input(invitationIdSchema)
    .output(done('revoked'))
    .mutation(async ({ ctx, input }) => {
      await revokeMemberInvitation(ctx.em, ctx.developer, input.invitationId);
      return { revoked: true as const };
    }),

  changeRole: ownerProcedure
    .meta({ access: 'unchanged' })
    .input(memberRoleSchema)
    .output(memberOutput)
    .mutation(({ ctx, input }) => changeMemberRole(ctx.em, ctx.developer, input)),

  remove: ownerProcedure
    .meta({ access: 'unchanged' })
    .input(memberSchema)
    .output(done('removed'))
    .mutation(async ({ ctx, input }) => {
      await removeMember(ctx.em, ctx.developer, input.userId);
      return { removed: true as const };
    }),

  tenantAdmins: tenantProcedure
    .output(tenantAdminsOutput)
    .query(({ ctx, input }) => listTenantAdmins(ctx.em, ctx.user, input.tenantId)),

  inviteTenantAdmin: tenantProcedure
    .meta({ access: 'unchanged' })
    .input(inviteTenantAdminSchema)
    .output(invitationCreatedOutput)
    .mutation(({ ctx, input }) => inviteTenantAdmin(ctx.em, ctx.user, input)),

  revokeTenantInvitation: tenantProcedure
    .meta({ access: 'unchanged' })
    .input(invitationIdSchema)
    .output(done('revoked'))
    .mutation(async ({ ctx, input }) => {
      await revokeTenantInvitation(ctx.em, ctx.user, input);
      return { revoked: true as const };
    }),

  removeTenantAdmin: tenantProcedure
    .meta({ access: 'unchanged' })
    .input(memberSchema)
    .output(done('removed'))
    .mutation(async ({ ctx, input }) => {
      await removeTenantAdmin(ctx.em, ctx.user, input);
      return { removed: true as const };
    }),

  /**
   * What an invitation link invites to, while it works: no sign-in needed. A mutation changing
   * nothing, so that the token travels in a request body, never in a URL that proxies log.
   */
  invitation: publicProcedure
    .meta({ access: 'unchanged' })
    .input(invitationTokenSchema)
    .output(invitationOutput)
    .mutation(({ ctx, input }) => invitationFor(ctx.em, input.token)),

  /** Accepts the invitation once; a newcomer is signed in as the account it made. */
  accept: publicProcedure
    .meta({ access: 'unchanged' })
    .input(acceptInvitationSchema)
    .output(sessionUserOutput)
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await acceptInvitation(ctx.em, input, await ctx.user());
      if (session) ctx.cookie.set(session.token, session.expiresAt);
      return user;
    }),
});
