import {
  ACCESS_ROLES,
  APP_KINDS,
  pageInputSchema,
  pageOutputSchema,
  REVIEW_STATUSES,
  reviewReasonSchema,
} from '@gatehouse/domain';
import { z } from 'zod';
import { reviewerProcedure } from '../../procedures';
import {
  approveAccessRequest,
  pendingAccessRequests,
  rejectAccessRequest,
} from '../../services/access-requests/decisions';
import { approveApp, rejectApp } from '../../services/review/apps';
import { reviewQueue } from '../../services/review/queue';
import { router } from '../../trpc';

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
  /** The first Tenant IDs the app lists, oldest listing first; `tenantCount` is how many in all. */
  tenantIds: z.array(z.string()),
  tenantCount: z.number().int(),
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

/** A page of a reviewer's list, 50 at a time (at most 200); no input reads the first page. */
const reviewPageInput = pageInputSchema(50, 200).prefault({});

export const reviewRouter = router({
  /** Apps waiting for review, longest-waiting first. */
  queue: reviewerProcedure
    .input(reviewPageInput)
    .output(pageOutputSchema(queueItemOutput))
    .query(({ ctx, input }) => reviewQueue(ctx.em, input)),

  /** Approve the name and home page the reviewer was shown (required): an edit made meanwhile is refused. */
  approve: reviewerProcedure
    .input(
      z.object({
        appId: z.string().max(100),
        seen: z.object({ name: z.string().max(100), homePageUrl: z.string().max(2048) }),
      }),
    )
    .output(z.object({ reviewStatus: z.literal('approved') }))
    .mutation(({ ctx, input }) => approveApp(ctx.em, ctx.user, input.appId, input.seen)),

  reject: reviewerProcedure
    .input(z.object({ appId: z.string().max(100), reason: reviewReasonSchema }))
    .output(z.object({ reviewStatus: z.literal('rejected') }))
    .mutation(({ ctx, input }) => rejectApp(ctx.em, ctx.user, input.appId, input.reason)),

  /** Access requests waiting for a reviewer, oldest first. */
  accessRequests: reviewerProcedure
    .input(reviewPageInput)
    .output(pageOutputSchema(accessRequestOutput))
    .query(({ ctx, input }) => pendingAccessRequests(ctx.em, input)),

  /** Approve: creates the user (and a new organization or tenant grant) and a one-time link to set the password, shown once. */
  approveRequest: reviewerProcedure
    .input(z.object({ requestId: z.string().max(100) }))
    .output(z.object({ userId: z.string(), setupToken: z.string(), expiresAt: z.date() }))
    .mutation(({ ctx, input }) => approveAccessRequest(ctx.em, ctx.user, input.requestId)),

  rejectRequest: reviewerProcedure
    .input(z.object({ requestId: z.string().max(100), reason: reviewReasonSchema }))
    .output(z.object({ status: z.literal('rejected') }))
    .mutation(({ ctx, input }) => rejectAccessRequest(ctx.em, ctx.user, input.requestId, input.reason)),
});
