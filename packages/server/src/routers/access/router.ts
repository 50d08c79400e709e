import { accessRequestSchema, DomainError, newPasswordSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { audit } from '../../audit';
import { hashPassword, sha256Hex } from '../../auth/secrets';
import { loadSessionUser, startSession } from '../../auth/sessions';
import { AccessRequest, AuditEvent, PasswordSetup, User } from '../../db/entities';
import { publicProcedure } from '../../procedures';
import { router } from '../../trpc';
import { sessionUserOutput } from '../auth/schemas';

const PER_EMAIL_PER_DAY = 3;
const PER_CLIENT_PER_HOUR = 10;
const LINK_INVALID = 'This link is not valid any more. Ask the reviewer for a new one.';

export const accessRouter = router({
  /** Request Access, no sign-in: throttled per address and per email; never grants anything by itself. */
  request: publicProcedure
    .input(accessRequestSchema)
    .output(z.object({ received: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      // Bots fill the hidden field: answer as if it worked, store nothing.
      if (input.website) return { received: true as const };
      const clientKey = sha256Hex(ctx.clientIp);
      const requestId = crypto.randomUUID();
      // Stored first, then counted with the others: requests sent at once each see the rest, so a burst gets no more through.
      const eventId = await ctx.em.transactional(async (tx) => {
        const request = tx.create(AccessRequest, {
          id: requestId,
          name: input.name,
          email: input.email,
          organizationName: input.organizationName,
          role: input.role,
          tenantId: input.role === 'tenant_admin' ? (input.tenantId ?? null) : null,
          status: 'pending',
          clientKey,
        });
        return audit(tx, null, {
          action: 'access_request.created',
          tenantId: request.tenantId ?? null,
          after: { email: request.email, role: request.role, organizationName: request.organizationName },
        });
      });
      const [byEmail, byClient] = await Promise.all([
        ctx.em.count(AccessRequest, {
          email: input.email,
          createdAt: { $gt: new Date(Date.now() - 86_400_000) },
        }),
        ctx.em.count(AccessRequest, { clientKey, createdAt: { $gt: new Date(Date.now() - 3_600_000) } }),
      ]);
      if (byEmail > PER_EMAIL_PER_DAY || byClient > PER_CLIENT_PER_HOUR) {
        // Over the limit: the request never happened.
        await ctx.em.transactional(async (tx) => {
          await tx.nativeDelete(AccessRequest, { id: requestId });
          await tx.nativeDelete(AuditEvent, { id: eventId });
        });
        throw new DomainError(
          'RATE_LIMITED',
          'We already have your requests. Please wait for a reviewer before asking again.',
        );
      }
      return { received: true as const };
    }),

  /** Whether a set-password link still works, and for whom. */
  setupLink: publicProcedure
    .input(z.object({ token: z.string().max(200) }))
    .output(z.object({ email: z.string(), name: z.string() }))
    .query(async ({ ctx, input }) => {
      const setup = await ctx.em.findOne(
        PasswordSetup,
        { tokenHash: sha256Hex(input.token), usedAt: null, expiresAt: { $gt: new Date() } },
        { populate: ['user'] },
      );
      if (!setup) throw new DomainError('NOT_FOUND', LINK_INVALID);
      return { email: setup.user.email, name: setup.user.name };
    }),

  /** Sets the password through the one-time link, then signs the user in. */
  setPassword: publicProcedure
    .input(z.object({ token: z.string().max(200), password: newPasswordSchema }))
    .output(sessionUserOutput)
    .mutation(async ({ ctx, input }) => {
      const passwordHash = await hashPassword(input.password);
      const userId = await ctx.em.transactional(async (tx) => {
        const setup = await tx.findOne(
          PasswordSetup,
          { tokenHash: sha256Hex(input.token) },
          { populate: ['user'] },
        );
        if (!setup || setup.usedAt || setup.expiresAt <= new Date())
          throw new DomainError('NOT_FOUND', LINK_INVALID);
        const used = await tx.nativeUpdate(
          PasswordSetup,
          { id: setup.id, usedAt: null },
          { usedAt: new Date() },
        );
        if (used !== 1) throw new DomainError('NOT_FOUND', LINK_INVALID);
        setup.user.passwordHash = passwordHash;
        audit(tx, setup.user, {
          action: 'user.password_set',
          organizationId: setup.user.organization?.id ?? null,
          after: { userId: setup.user.id },
        });
        return setup.user.id;
      });
      const session = await startSession(ctx.em, userId);
      ctx.cookie.set(session.token, session.expiresAt);
      const user = await ctx.db.em().findOneOrFail(User, { id: userId }, { populate: ['organization'] });
      return loadSessionUser(ctx.em, user);
    }),
});
