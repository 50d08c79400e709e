import { AUDIT_VIEWS, auditFiltersSchema, DomainError, notFound, tenantIdSchema } from '@gatehouse/domain';
import { z } from 'zod';
import type { SessionUser } from './auth/sessions';
import type { TrailReader } from './services/audit/trail';
import { baseProcedure } from './trpc';

/** A signed-in member of an organization, as the developer procedures see them. */
export type Developer = SessionUser & { organizationId: string; organizationName: string };

/**
 * The permission checks themselves, each written once: the procedure builders
 * below run them before any handler, and nothing re-states them.
 */
export const permissions = {
  signedIn(user: SessionUser | null): SessionUser {
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Please sign in to continue.');
    return user;
  },
  /** Members of an organization: the Generate API Application Key permission. */
  developer(user: SessionUser): Developer {
    const { organizationId, organizationName } = user;
    if (!organizationId || !organizationName) {
      throw new DomainError('FORBIDDEN', 'This needs the Generate API Application Key permission.');
    }
    return { ...user, organizationId, organizationName };
  },
  /** Admins of at least one tenant: the Manage API Application Access permission. */
  tenantAdmin(user: SessionUser): void {
    if (user.tenantIds.length === 0) {
      throw new DomainError('FORBIDDEN', 'This needs the Manage API Application Access permission.');
    }
  },
  /** An admin of this very tenant; any other tenant answers like a missing one. */
  tenant(user: SessionUser, tenantId: string): void {
    if (!user.tenantIds.includes(tenantId)) throw notFound('Tenant');
  },
  /** Platform staff who review apps and access requests. */
  reviewer(user: SessionUser, message = 'Only platform reviewers can do this.'): void {
    if (!user.isReviewer) throw new DomainError('FORBIDDEN', message);
  },
};

export const publicProcedure = baseProcedure;

/** Any signed-in user. */
export const authedProcedure = baseProcedure.use(async ({ ctx, next }) =>
  next({ ctx: { user: permissions.signedIn(await ctx.user()) } }),
);

export const developerProcedure = authedProcedure.use(({ ctx, next }) =>
  next({ ctx: { developer: permissions.developer(ctx.user) } }),
);

export const tenantAdminProcedure = authedProcedure.use(({ ctx, next }) => {
  permissions.tenantAdmin(ctx.user);
  return next();
});

/** A tenant admin acting on one of their tenants, named by the input's `tenantId`. */
export const tenantProcedure = tenantAdminProcedure
  .input(z.object({ tenantId: tenantIdSchema }))
  .use(({ ctx, input, next }) => {
    permissions.tenant(ctx.user, input.tenantId);
    return next();
  });

export const reviewerProcedure = authedProcedure.use(({ ctx, next }) => {
  permissions.reviewer(ctx.user);
  return next();
});

/**
 * A reader of the audit trail through one of its views, each under the permission
 * it needs: the whole trail (reviewers), their organization's part (developers), or
 * their tenants' part, or one tenant's, named by the input's `tenantId` (tenant admins).
 */
export const auditTrailProcedure = authedProcedure
  .input(z.object({ view: z.enum(AUDIT_VIEWS), tenantId: auditFiltersSchema.shape.tenantId }))
  .use(({ ctx, input, next }) => {
    let reader: TrailReader;
    if (input.view === 'reviewer') {
      permissions.reviewer(ctx.user, 'Only platform reviewers can read the whole audit trail.');
      reader = { view: 'reviewer' };
    } else if (input.view === 'developer') {
      reader = { view: 'developer', organizationId: permissions.developer(ctx.user).organizationId };
    } else {
      permissions.tenantAdmin(ctx.user);
      if (input.tenantId) permissions.tenant(ctx.user, input.tenantId);
      reader = { view: 'tenant', tenantIds: input.tenantId ? [input.tenantId] : ctx.user.tenantIds };
    }
    return next({ ctx: { reader } });
  });
