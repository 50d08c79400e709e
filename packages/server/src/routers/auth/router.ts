import { z } from 'zod';
import { sessionUserOutput } from '../../auth/sessions';
import { authedProcedure, publicProcedure } from '../../procedures';
import { signIn, signOut } from '../../services/auth/sign-in';
import { router } from '../../trpc';
import { signInInput } from './schemas';

export const authRouter = router({
  /** The caller, or null when signed out: the SPAs ask this first. */
  me: publicProcedure.output(sessionUserOutput.nullable()).query(({ ctx }) => ctx.user()),

  signIn: publicProcedure
    .meta({ access: 'unchanged' })
    .input(signInInput)
    .output(sessionUserOutput)
    .mutation(async ({ ctx, input }) => {
      const { user, session } = await signIn(
        ctx.em,
        { ...input, clientIp: ctx.clientIp, carriedToken: ctx.sessionToken },
        ctx.log,
      );
      ctx.cookie.set(session.token, session.expiresAt);
      return user;
    }),

  signOut: authedProcedure
    .meta({ access: 'unchanged' })
    .output(z.object({ signedOut: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await signOut(ctx.em, ctx.sessionToken);
      ctx.cookie.clear();
      return { signedOut: true as const };
    }),
});
