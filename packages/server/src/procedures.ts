import {
  AUDIT_VIEWS,
  type AuditView,
  auditFiltersSchema,
  DomainError,
  notFound,
  tenantIdSchema,
} from '@gatehouse/domain';
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
  /** An Owner of the developer's organization: the one who manages its members. */
  owner(developer: Developer): void {
    if (developer.organizationRole !== 'owner')
      throw new DomainError('FORBIDDEN', "Only the organization's Owners can manage its members.");
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

/** An Owner of the caller's organization. */
export const ownerProcedure = developerProcedure.use(({ ctx, next }) => {
  permissions.owner(ctx.developer);
  return next();
});

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
 * Whose part of the audit trail `user` reads through `view`, under the permission
 * it needs: the whole trail (reviewers), their organization's part (developers), or
 * their tenants' part, or the one tenant `tenantId` names (tenant admins; a tenant
 * not theirs answers like a missing one). The portals' pages of the trail and its
 * CSV export both ask here.
 */
export function auditTrailReader(user: SessionUser, view: AuditView, tenantId?: string): TrailReader {
  if (view === 'reviewer') {
    permissions.reviewer(user, 'Only platform reviewers can read the whole audit trail.');
    return { view: 'reviewer' };
  }
  if (view === 'developer')
    return { view: 'developer', organizationId: permissions.developer(user).organizationId };
  permissions.tenantAdmin(user);
  if (tenantId) permissions.tenant(user, tenantId);
  return { view: 'tenant', tenantIds: tenantId ? [tenantId] : user.tenantIds };
}

/** A reader of the audit trail through one of its views, named by the input's `view` (see auditTrailReader). */
export const auditTrailProcedure = authedProcedure
  .input(z.object({ view: z.enum(AUDIT_VIEWS), tenantId: auditFiltersSchema.shape.tenantId }))
  .use(({ ctx, input, next }) =>
    next({ ctx: { reader: auditTrailReader(ctx.user, input.view, input.tenantId) } }),
  );
