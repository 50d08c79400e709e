import { DomainError } from '@gatehouse/domain';
import { baseProcedure } from './trpc';

export const publicProcedure = baseProcedure;

/** Any signed-in user. */
export const authedProcedure = baseProcedure.use(async ({ ctx, next }) => {
  const user = await ctx.user();
  if (!user) throw new DomainError('UNAUTHENTICATED', 'Please sign in to continue.');
  return next({ ctx: { user } });
});

/** Members of an organization: the Generate API Application Key permission. */
export const developerProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const { organizationId, organizationName } = ctx.user;
  if (!organizationId || !organizationName) {
    throw new DomainError('FORBIDDEN', 'This needs the Generate API Application Key permission.');
  }
  return next({ ctx: { developer: { ...ctx.user, organizationId, organizationName } } });
});

/** Admins of at least one tenant: the Manage API Application Access permission. */
export const tenantAdminProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (ctx.user.tenantIds.length === 0) {
    throw new DomainError('FORBIDDEN', 'This needs the Manage API Application Access permission.');
  }
  return next();
});

/** Platform staff who review apps and access requests. */
export const reviewerProcedure = authedProcedure.use(async ({ ctx, next }) => {
  if (!ctx.user.isReviewer) throw new DomainError('FORBIDDEN', 'Only platform reviewers can do this.');
  return next();
});
