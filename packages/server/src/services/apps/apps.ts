import {
  type AppKind,
  type CredentialsMode,
  canResubmit,
  DomainError,
  identityAfterEdit,
  initialReviewStatus,
  invalidField,
  listedIdentityOnCreate,
  type NewApp,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { randomToken } from '../../auth/secrets';
import { App, AppTenant, AppVersion } from '../../db/entities';
import { retryRaces } from '../races';
import { findOwnedApp, type OrganizationMember, ownedAppDetail } from './queries';

const APP_KEY_PREFIX = 'ghak_';

/** New App: version 1 holds the first scopes; a public app waits for review. */
export async function createApp(em: EntityManager, developer: OrganizationMember, input: NewApp) {
  const appId = crypto.randomUUID();
  await em.transactional(async (tx) => {
    const app = tx.create(App, {
      id: appId,
      organization: developer.organizationId,
      name: input.name,
      homePageUrl: input.homePageUrl,
      ...listedIdentityOnCreate(input.kind, input),
      kind: input.kind,
      credentialsMode: input.credentialsMode,
      reviewStatus: initialReviewStatus(input.kind),
      submittedAt: input.kind === 'public' ? new Date() : null,
      appKey: randomToken(APP_KEY_PREFIX, 24),
      latestVersion: 1,
      createdBy: developer.id,
    });
    for (const tenantId of input.tenantIds) tx.create(AppTenant, { id: crypto.randomUUID(), app, tenantId });
    tx.create(AppVersion, {
      id: crypto.randomUUID(),
      app,
      number: 1,
      scopes: input.scopes,
      createdBy: developer.id,
    });
    audit(tx, developer, {
      action: 'app.created',
      organizationId: developer.organizationId,
      appId,
      after: { ...input, organizationName: developer.organizationName, version: 1 },
    });
  });
  return ownedAppDetail(em, developer.organizationId, appId);
}

export interface AppDetailsInput {
  appId: string;
  name: string;
  homePageUrl: string;
  kind: AppKind;
  credentialsMode: CredentialsMode;
}

/**
 * Edit details: a never-approved private app turned public goes to review, and so
 * does a new name or home page of an approved app while tenants keep the listed one.
 * An edit racing a save or a review starts over from the state that won.
 */
export async function updateAppDetails(
  em: EntityManager,
  developer: OrganizationMember,
  input: AppDetailsInput,
) {
  await retryRaces(em, async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, input.appId);
    const listed = { listedName: app.listedName ?? null, listedHomePageUrl: app.listedHomePageUrl ?? null };
    const before = {
      name: app.name,
      homePageUrl: app.homePageUrl,
      kind: app.kind,
      credentialsMode: app.credentialsMode,
      reviewStatus: app.reviewStatus,
      ...listed,
    };
    const outcome = identityAfterEdit(
      {
        kind: app.kind,
        reviewStatus: app.reviewStatus,
        firstApprovedAt: app.firstApprovedAt ?? null,
        ...listed,
      },
      input,
    );
    const after = {
      name: input.name,
      homePageUrl: input.homePageUrl,
      kind: input.kind,
      credentialsMode: input.credentialsMode,
      reviewStatus: outcome.reviewStatus,
      listedName: outcome.listedName,
      listedHomePageUrl: outcome.listedHomePageUrl,
    };
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    Object.assign(
      app,
      after,
      outcome.consequence === 'none' ? {} : { reviewReason: null },
      outcome.consequence === 'entered_review' ? { submittedAt: new Date() } : {},
    );
    audit(tx, developer, {
      action: 'app.details_changed',
      organizationId: developer.organizationId,
      appId: app.id,
      before,
      after: { ...after, review: outcome.consequence },
    });
  });
  return ownedAppDetail(em, developer.organizationId, input.appId);
}

const ONLY_REJECTED = 'Only a rejected app can be resubmitted.';

/** Resubmit a rejected app: it goes back to the review queue. */
export async function resubmitApp(em: EntityManager, developer: OrganizationMember, appId: string) {
  await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, appId);
    if (!canResubmit(app.reviewStatus)) throw new DomainError('CONFLICT', ONLY_REJECTED);
    // Conditional on the status read: a review deciding meanwhile makes this a conflict, not an overwrite.
    const moved = await tx.nativeUpdate(
      App,
      { id: app.id, reviewStatus: 'rejected' },
      { reviewStatus: 'pending', submittedAt: new Date(), updatedAt: new Date() },
    );
    if (moved !== 1) throw new DomainError('CONFLICT', ONLY_REJECTED);
    audit(tx, developer, {
      action: 'app.resubmitted',
      organizationId: developer.organizationId,
      appId: app.id,
      before: { reviewStatus: 'rejected', reviewReason: app.reviewReason },
      after: { reviewStatus: 'pending' },
    });
  });
  return ownedAppDetail(em, developer.organizationId, appId);
}

/** Delete application: the key is marked deleted with the app and never accepted again. */
export async function deleteApp(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; confirmName: string },
): Promise<{ deleted: true }> {
  await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, developer.organizationId, input.appId);
    if (input.confirmName.trim() !== app.name)
      throw invalidField('confirmName', `Type ${app.name} to confirm`);
    const deletedAt = new Date();
    const changed = await tx.nativeUpdate(
      App,
      { id: app.id, deletedAt: null },
      { deletedAt, updatedAt: deletedAt },
    );
    if (changed === 0) throw invalidField('confirmName', 'This app was already deleted');
    audit(tx, developer, {
      action: 'app.deleted',
      organizationId: developer.organizationId,
      appId: app.id,
      before: { name: app.name, appKeyStart: app.appKey.slice(0, 9) },
      after: { deletedAt },
    });
  });
  return { deleted: true };
}
