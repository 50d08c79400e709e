import {
  ACCESS_ROLES,
  APP_KINDS,
  canReview,
  DomainError,
  listedIdentityOnApproval,
  notFound,
  REVIEW_STATUSES,
  reviewReasonSchema,
  wasApproved,
} from '@gatehouse/domain';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { z } from 'zod';
import { audit } from '../../audit';
import { hashPassword, randomToken, sha256Hex } from '../../auth/secrets';
import {
  AccessRequest,
  App,
  AppTenant,
  Notification,
  Organization,
  PasswordSetup,
  Tenant,
  TenantAdmin,
  User,
} from '../../db/entities';
import { isUuid } from '../../db/ids';
import { reviewerProcedure } from '../../procedures';
import { router } from '../../trpc';
import { latestScopesOf } from '../apps/queries';

const SETUP_LINK_TTL_MS = 72 * 3600_000;
const CHANGED_MESSAGE =
  'This app is not waiting for review any more, or its developer changed it meanwhile. Reload the queue.';

const queueItemOutput = z.object({
  appId: z.string(),
  /** The identity proposed for approval. */
  name: z.string(),
  /** The developer's verified organization. */
  organizationName: z.string(),
  homePageUrl: z.string(),
  /** What tenants already connected see now (null while none can be): the identity an approval would replace. */
  listedName: z.string().nullable(),
  listedHomePageUrl: z.string().nullable(),
  kind: z.enum(APP_KINDS),
  reviewStatus: z.enum(REVIEW_STATUSES),
  scopes: z.array(z.string()),
  tenantIds: z.array(z.string()),
  submittedAt: z.date(),
});

const accessRequestOutput = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  organizationName: z.string(),
  role: z.enum(ACCESS_ROLES),
  tenantId: z.string().nullable(),
  createdAt: z.date(),
  existingOrganization: z.boolean(),
  tenantName: z.string().nullable(),
});

/**
 * An app waiting for review: a public app's first review, or an identity change of an
 * approved app of either kind. An app that never needed review answers like a missing one.
 */
async function pendingApp(em: EntityManager, appId: string) {
  const app = isUuid(appId)
    ? await em.findOne(App, { id: appId, deletedAt: null, reviewStatus: { $ne: 'not_required' } })
    : null;
  if (!app) throw notFound('App');
  if (!canReview(app.reviewStatus))
    throw new DomainError('CONFLICT', 'This app is not waiting for review any more.');
  return app;
}

async function notifyOrganization(em: EntityManager, organizationId: string, appId: string, message: string) {
  const members = await em.find(User, { organization: organizationId });
  for (const member of members)
    em.create(Notification, { id: crypto.randomUUID(), user: member, appId, message });
}

export const reviewRouter = router({
  /** Apps waiting for review, longest-waiting first. */
  queue: reviewerProcedure.output(z.array(queueItemOutput)).query(async ({ ctx }) => {
    const apps = await ctx.em.find(
      App,
      { reviewStatus: 'pending', deletedAt: null },
      { orderBy: { submittedAt: 'asc', id: 'asc' }, limit: 200, populate: ['organization'] },
    );
    const tenants = apps.length
      ? await ctx.em.find(AppTenant, { app: { $in: apps.map((a) => a.id) } }, { orderBy: { addedAt: 'asc' } })
      : [];
    return Promise.all(
      apps.map(async (app) => ({
        appId: app.id,
        name: app.name,
        organizationName: app.organization.name,
        homePageUrl: app.homePageUrl,
        listedName: app.listedName ?? null,
        listedHomePageUrl: app.listedHomePageUrl ?? null,
        kind: app.kind,
        reviewStatus: app.reviewStatus,
        scopes: await latestScopesOf(ctx.em, app),
        tenantIds: tenants.filter((t) => t.app.id === app.id).map((t) => t.tenantId),
        submittedAt: app.submittedAt ?? app.createdAt,
      })),
    );
  }),

  /**
   * Approve: tenants now see this name and home page. The queue sends the identity
   * the reviewer read (required), so an edit made meanwhile is refused rather than approved unseen.
   */
  approve: reviewerProcedure
    .input(
      z.object({
        appId: z.string().max(100),
        seen: z.object({ name: z.string().max(100), homePageUrl: z.string().max(2048) }),
      }),
    )
    .output(z.object({ reviewStatus: z.literal('approved') }))
    .mutation(async ({ ctx, input }) => {
      await ctx.em.transactional(async (tx) => {
        const app = await pendingApp(tx, input.appId);
        const now = new Date();
        const listed = listedIdentityOnApproval(app);
        const firstApproval = !wasApproved(app);
        if (input.seen.name !== app.name || input.seen.homePageUrl !== app.homePageUrl)
          throw new DomainError('CONFLICT', CHANGED_MESSAGE);
        const moved = await tx.nativeUpdate(
          App,
          { id: app.id, reviewStatus: 'pending', name: app.name, homePageUrl: app.homePageUrl },
          {
            reviewStatus: 'approved',
            reviewReason: null,
            reviewedAt: now,
            reviewedBy: ctx.user.id,
            updatedAt: now,
            firstApprovedAt: app.firstApprovedAt ?? now,
            ...listed,
          },
        );
        if (moved !== 1) throw new DomainError('CONFLICT', CHANGED_MESSAGE);
        const message = firstApproval
          ? `${app.name} was approved. Tenants you listed can now find and connect it.`
          : `${app.name} was approved. Tenants now see its new name and home page.`;
        await notifyOrganization(tx, app.organization.id, app.id, message);
        audit(tx, ctx.user, {
          action: 'app.approved',
          organizationId: app.organization.id,
          appId: app.id,
          before: {
            reviewStatus: 'pending',
            listedName: app.listedName ?? null,
            listedHomePageUrl: app.listedHomePageUrl ?? null,
          },
          after: { reviewStatus: 'approved', ...listed },
        });
      });
      return { reviewStatus: 'approved' as const };
    }),

  reject: reviewerProcedure
    .input(z.object({ appId: z.string().max(100), reason: reviewReasonSchema }))
    .output(z.object({ reviewStatus: z.literal('rejected') }))
    .mutation(async ({ ctx, input }) => {
      await ctx.em.transactional(async (tx) => {
        const app = await pendingApp(tx, input.appId);
        const now = new Date();
        const moved = await tx.nativeUpdate(
          App,
          { id: app.id, reviewStatus: 'pending' },
          {
            reviewStatus: 'rejected',
            reviewReason: input.reason,
            reviewedAt: now,
            reviewedBy: ctx.user.id,
            updatedAt: now,
          },
        );
        if (moved !== 1) throw new DomainError('CONFLICT', 'This app is not waiting for review any more.');
        await notifyOrganization(
          tx,
          app.organization.id,
          app.id,
          `${app.name} was rejected: ${input.reason}`,
        );
        audit(tx, ctx.user, {
          action: 'app.rejected',
          organizationId: app.organization.id,
          appId: app.id,
          before: { reviewStatus: 'pending' },
          after: { reviewStatus: 'rejected', reason: input.reason },
        });
      });
      return { reviewStatus: 'rejected' as const };
    }),

  accessRequests: reviewerProcedure.output(z.array(accessRequestOutput)).query(async ({ ctx }) => {
    const requests = await ctx.em.find(
      AccessRequest,
      { status: 'pending' },
      { orderBy: { createdAt: 'asc' }, limit: 200 },
    );
    const names = [...new Set(requests.map((r) => r.organizationName))];
    const orgNames = new Set(
      names.length ? (await ctx.em.find(Organization, { name: { $in: names } })).map((o) => o.name) : [],
    );
    const tenantIds = requests.map((r) => r.tenantId).filter((id): id is string => Boolean(id));
    const tenants = tenantIds.length ? await ctx.em.find(Tenant, { id: { $in: tenantIds } }) : [];
    return requests.map((r) => ({
      id: r.id,
      name: r.name,
      email: r.email,
      organizationName: r.organizationName,
      role: r.role,
      tenantId: r.tenantId ?? null,
      createdAt: r.createdAt,
      existingOrganization: orgNames.has(r.organizationName),
      tenantName: tenants.find((t) => t.id === r.tenantId)?.name ?? null,
    }));
  }),

  /** Approve: creates the user (and a new organization or tenant grant) and a one-time link to set the password, shown once. */
  approveRequest: reviewerProcedure
    .input(z.object({ requestId: z.string().max(100) }))
    .output(z.object({ userId: z.string(), setupToken: z.string(), expiresAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const unusable = await hashPassword(randomToken('', 32));
      try {
        return await ctx.em.transactional(async (tx) => {
          const request = isUuid(input.requestId)
            ? await tx.findOne(AccessRequest, { id: input.requestId })
            : null;
          if (!request) throw notFound('Access request');
          if (request.status !== 'pending')
            throw new DomainError('CONFLICT', 'This request was already decided.');
          if (await tx.count(User, { email: request.email }))
            throw new DomainError('CONFLICT', `An account for ${request.email} already exists.`);
          let organization = null;
          if (request.role === 'developer') {
            organization =
              (await tx.findOne(Organization, { name: request.organizationName })) ??
              tx.create(Organization, { id: crypto.randomUUID(), name: request.organizationName });
          }
          const user = tx.create(User, {
            id: crypto.randomUUID(),
            email: request.email,
            name: request.name,
            passwordHash: unusable,
            organization,
            isReviewer: false,
          });
          if (request.role === 'tenant_admin' && request.tenantId) {
            const tenant =
              (await tx.findOne(Tenant, { id: request.tenantId })) ??
              tx.create(Tenant, { id: request.tenantId, name: request.organizationName });
            tx.create(TenantAdmin, { id: crypto.randomUUID(), user, tenant });
          }
          const setupToken = randomToken('ghps_', 32);
          const expiresAt = new Date(Date.now() + SETUP_LINK_TTL_MS);
          tx.create(PasswordSetup, {
            id: crypto.randomUUID(),
            tokenHash: sha256Hex(setupToken),
            user,
            expiresAt,
          });
          await tx.flush();
          const moved = await tx.nativeUpdate(
            AccessRequest,
            { id: request.id, status: 'pending' },
            { status: 'approved', decidedAt: new Date(), decidedBy: ctx.user.id, user: user.id },
          );
          if (moved !== 1) throw new DomainError('CONFLICT', 'This request was already decided.');
          audit(tx, ctx.user, {
            action: 'access_request.approved',
            organizationId: organization?.id ?? null,
            tenantId: request.tenantId ?? null,
            before: { status: 'pending' },
            after: { status: 'approved', email: request.email, role: request.role, userId: user.id },
          });
          return { userId: user.id, setupToken, expiresAt };
        });
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException)
          throw new DomainError('CONFLICT', 'This request was already decided.');
        throw error;
      }
    }),

  rejectRequest: reviewerProcedure
    .input(z.object({ requestId: z.string().max(100), reason: reviewReasonSchema }))
    .output(z.object({ status: z.literal('rejected') }))
    .mutation(async ({ ctx, input }) => {
      await ctx.em.transactional(async (tx) => {
        const request = isUuid(input.requestId)
          ? await tx.findOne(AccessRequest, { id: input.requestId })
          : null;
        if (!request) throw notFound('Access request');
        const moved = await tx.nativeUpdate(
          AccessRequest,
          { id: request.id, status: 'pending' },
          { status: 'rejected', reason: input.reason, decidedAt: new Date(), decidedBy: ctx.user.id },
        );
        if (moved !== 1) throw new DomainError('CONFLICT', 'This request was already decided.');
        audit(tx, ctx.user, {
          action: 'access_request.rejected',
          tenantId: request.tenantId ?? null,
          before: { status: 'pending' },
          after: { status: 'rejected', email: request.email, reason: input.reason },
        });
      });
      return { status: 'rejected' as const };
    }),
});
