import {
  approvalNotice,
  canReview,
  DomainError,
  type Identity,
  listedIdentityOf,
  listedIdentityOnApproval,
  notFound,
  rejectionNotice,
  wasApproved,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { type Actor, audit } from '../../audit';
import { App, type AppEntity, User } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { notifyOrganization } from '../notifications/notifications';
import { refuseRaces } from '../races';

const NOT_WAITING = 'This app is not waiting for review any more.';
const CHANGED =
  'This app is not waiting for review any more, or its developer changed it meanwhile. Reload the queue.';

/**
 * An app waiting for review: a public app's first review, or an identity change of an
 * approved app of either kind. An app that never needed review answers like a missing one.
 */
async function appInReview(em: EntityManager, appId: string): Promise<AppEntity> {
  const app = isUuid(appId)
    ? await em.findOne(App, { id: appId, deletedAt: null, reviewStatus: { $ne: 'not_required' } })
    : null;
  if (!app) throw notFound('App');
  if (!canReview(app.reviewStatus)) throw new DomainError('CONFLICT', NOT_WAITING);
  return app;
}

/**
 * Approve: tenants now see this name and home page. `seen` is the identity the reviewer
 * read in the queue, so an edit made meanwhile is refused rather than approved unseen; so
 * is any change that commits between this read and the write (the app's revision moved).
 */
export async function approveApp(em: EntityManager, reviewer: Actor, appId: string, seen: Identity) {
  await refuseRaces(em, CHANGED, async (tx) => {
    const app = await appInReview(tx, appId);
    if (seen.name !== app.name || seen.homePageUrl !== app.homePageUrl)
      throw new DomainError('CONFLICT', CHANGED);
    const before = { reviewStatus: app.reviewStatus, ...listedIdentityOf(app) };
    const firstApproval = !wasApproved(app);
    const listed = listedIdentityOnApproval(app);
    const now = new Date();
    tx.assign(app, {
      reviewStatus: 'approved',
      reviewReason: null,
      reviewedAt: now,
      reviewedBy: tx.getReference(User, reviewer.id),
      firstApprovedAt: app.firstApprovedAt ?? now,
      ...listed,
    });
    await notifyOrganization(tx, app.organization.id, app.id, approvalNotice(app.name, firstApproval));
    audit(tx, reviewer, {
      action: 'app.approved',
      organizationId: app.organization.id,
      appId: app.id,
      before,
      after: { reviewStatus: 'approved', ...listed },
    });
  });
  return { reviewStatus: 'approved' as const };
}

/** Reject with the reason the developer reads; they may change the app and resubmit it. */
export async function rejectApp(em: EntityManager, reviewer: Actor, appId: string, reason: string) {
  await refuseRaces(em, NOT_WAITING, async (tx) => {
    const app = await appInReview(tx, appId);
    tx.assign(app, {
      reviewStatus: 'rejected',
      reviewReason: reason,
      reviewedAt: new Date(),
      reviewedBy: tx.getReference(User, reviewer.id),
    });
    await notifyOrganization(tx, app.organization.id, app.id, rejectionNotice(app.name, reason));
    audit(tx, reviewer, {
      action: 'app.rejected',
      organizationId: app.organization.id,
      appId: app.id,
      before: { reviewStatus: 'pending' },
      after: { reviewStatus: 'rejected', reason },
    });
  });
  return { reviewStatus: 'rejected' as const };
}
