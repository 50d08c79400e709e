import { DomainError } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { decoyPasswordHash, verifyPassword } from '../../auth/secrets';
import { endSession, loadSessionUser, startSession } from '../../auth/sessions';
import { beginSignInAttempt } from '../../auth/throttle';
import { User } from '../../db/entities';
import { serializeError } from '../../http/log';
import { authedProcedure, publicProcedure } from '../../procedures';
import { router } from '../../trpc';
import { sessionUserOutput, signInInput } from './schemas';

const WRONG_CREDENTIALS = 'That email and password do not match an account.';

const findUser = (em: EntityManager, email: string) =>
  em.findOne(User, { email }, { populate: ['organization'] });

export const authRouter = router({
  /** The caller, or null when signed out: the SPAs ask this first. */
  me: publicProcedure.output(sessionUserOutput.nullable()).query(({ ctx }) => ctx.user()),

  signIn: publicProcedure
    .input(signInInput)
    .output(sessionUserOutput)
    .mutation(async ({ ctx, input }) => {
      const attempt = await beginSignInAttempt(ctx.em, input.email, ctx.clientIp);
      let user: Awaited<ReturnType<typeof findUser>>;
      let valid: boolean;
      try {
        user = await findUser(ctx.em, input.email);
        valid = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
      } catch (error) {
        await attempt.abandon();
        throw error;
      }
      if (!user || !valid) {
        // The answer is the same whether or not the failure could be written down.
        await attempt
          .failed()
          .catch((error: unknown) =>
            console.error('could not count a failed sign-in', serializeError(error)),
          );
        throw new DomainError('UNAUTHENTICATED', WRONG_CREDENTIALS);
      }
      await attempt.succeeded();
      // A new token on every sign-in: a token planted before sign-in is never promoted.
      if (ctx.sessionToken) await endSession(ctx.em, ctx.sessionToken);
      const session = await startSession(ctx.em, user.id);
      ctx.cookie.set(session.token, session.expiresAt);
      return loadSessionUser(ctx.em, user);
    }),

  signOut: authedProcedure.output(z.object({ signedOut: z.literal(true) })).mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await endSession(ctx.em, ctx.sessionToken);
    ctx.cookie.clear();
    return { signedOut: true as const };
  }),
});
