import { accessRequestSchema, newPasswordSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { sessionUserOutput } from '../../auth/sessions';
import { publicProcedure } from '../../procedures';
import { requestAccess } from '../../services/access-requests/request';
import { passwordSetupOwner, setPasswordWithLink } from '../../services/auth/password-setup';
import { router } from '../../trpc';

export const accessRouter = router({
  /** Request Access, no sign-in: throttled per address and per email; never grants anything by itself. */
  request: publicProcedure
    .meta({ access: 'unchanged' })
    .input(accessRequestSchema)
    .output(z.object({ received: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await requestAccess(ctx.db, input, ctx.clientIp);
      return { received: true as const };
    }),

  /** Whether a set-password link still works, and for whom. */
  setupLink: publicProcedure
    .input(z.object({ token: z.string().max(200) }))
    .output(z.object({ email: z.string(), name: z.string() }))
    .query(({ ctx, input }) => passwordSetupOwner(ctx.em, input.token)),

  /** Sets the password through the one-time link, then signs the user in. */
  setPassword: publicProcedure
    .meta({ access: 'unchanged' })
    .input(z.object({ token: z.string().max(200), password: newPasswordSchema }))
    .output(sessionUserOutput)
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await setPasswordWithLink(ctx.em, input.token, input.password);
      ctx.cookie.set(session.token, session.expiresAt);
      return user;
    }),
});
