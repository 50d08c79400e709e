import {
  DomainError,
  INVITATIONS_PER_HOUR,
  INVITATIONS_PER_SCOPE_PER_HOUR,
  invitationExpiry,
  notFound,
  type OrgRole,
} from '@gatehouse/domain';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type Actor, audit } from '../../audit';
import { randomToken, sha256Hex } from '../../auth/secrets';
import { Invitation, type InvitationEntity, Organization, Tenant, User } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { dialectOf } from '../audit/lead';
import type { InvitationCreated, PendingInvitation } from './members';

/** An invitation's token: recognisable in logs and leak scanners, 256 random bits. */
const TOKEN_PREFIX = 'ghin_';
const TOKEN_BYTES = 32;
const TOO_MANY = `You can send at most ${INVITATIONS_PER_HOUR} invitations an hour. Please try again later.`;
const TOO_MANY_HERE = `At most ${INVITATIONS_PER_SCOPE_PER_HOUR} invitations an hour can be sent here. Please try again later.`;

/** Where an invitation leads: a role in an organization, or a seat among a tenant's admins. */
export type InvitationTarget =
  | { kind: 'organization'; organizationId: string; role: OrgRole }
  | { kind: 'tenant'; tenantId: string };

/** Where invitations are kept: one organization's, or one tenant's. */
export type InvitationScope = { organizationId: string } | { tenantId: string };

const whereScope = (scope: InvitationScope) =>
  'organizationId' in scope ? { organization: scope.organizationId } : { tenant: scope.tenantId };

/** Neither accepted nor revoked nor expired. */
export const stillPending = (now = new Date()) => ({
  acceptedAt: null,
  revokedAt: null,
  expiresAt: { $gt: now },
});

/**
 * Serialises changes to one organization's members or one tenant's admins (the embedded
 * database writes one transaction at a time anyway): two Owners demoting each other at once
 * must not leave the organization without one.
 */
export async function lockScope(tx: EntityManager, scope: InvitationScope): Promise<void> {
  if (dialectOf(tx) !== 'postgresql') return;
  const row =
    'organizationId' in scope
      ? tx.getReference(Organization, scope.organizationId)
      : tx.getReference(Tenant, scope.tenantId);
  await tx.lock(row, LockMode.PESSIMISTIC_WRITE);
}

/** What the audit trail records of an invitation: never its token, nor its hash. */
export const invitationSnapshot = (invitation: InvitationEntity) => ({
  invitationId: invitation.id,
  email: invitation.email,
  role: invitation.role ?? null,
  expiresAt: invitation.expiresAt,
});

const auditScope = (scope: InvitationScope) =>
  'organizationId' in scope ? { organizationId: scope.organizationId } : { tenantId: scope.tenantId };

function auditRevoked(tx: EntityManager, actor: Actor, scope: InvitationScope, invitation: InvitationEntity) {
  audit(tx, actor, {
    action: 'organizationId' in scope ? 'team.invitation_revoked' : 'tenant.invitation_revoked',
    ...auditScope(scope),
    before: invitationSnapshot(invitation),
    after: { invitationId: invitation.id, revokedAt: invitation.revokedAt },
    touched: { data: { invitationId: invitation.id } },
  });
}

/**
 * Revokes, in `tx`, the invitations of `scope` still pending that `senderId` sent: taken when the
 * sender stops being an Owner or an admin there, so their links cannot bring anyone in after them.
 */
export async function revokeSentBy(
  tx: EntityManager,
  actor: Actor,
  scope: InvitationScope,
  senderId: string,
): Promise<void> {
  const now = new Date();
  for (const invitation of await tx.find(Invitation, {
    invitedBy: senderId,
    ...whereScope(scope),
    ...stillPending(now),
  })) {
    invitation.revokedAt = now;
    auditRevoked(tx, actor, scope, invitation);
  }
}

/** Refuses, in `tx`, what an hour's invitations already used up: the sender's, and the place's. */
async function keepToHourlyLimits(tx: EntityManager, sender: Actor, scope: InvitationScope): Promise<void> {
  const createdAt = { $gt: new Date(Date.now() - 3600_000) };
  if ((await tx.count(Invitation, { invitedBy: sender.id, createdAt })) >= INVITATIONS_PER_HOUR)
    throw new DomainError('RATE_LIMITED', TOO_MANY);
  if ((await tx.count(Invitation, { ...whereScope(scope), createdAt })) >= INVITATIONS_PER_SCOPE_PER_HOUR)
    throw new DomainError('RATE_LIMITED', TOO_MANY_HERE);
}

/**
 * A new invitation to `email`, in the transaction `tx`: at most INVITATIONS_PER_HOUR per sender
 * and INVITATIONS_PER_SCOPE_PER_HOUR per organization or tenant an hour, never to a platform
 * reviewer's account (reviewers stay outside organizations and tenants), replacing (revoking)
 * one still pending to the same email and place. Its token is in the answer only; the database
 * keeps its SHA-256.
 */
export async function issueInvitation(
  tx: EntityManager,
  sender: Actor,
  target: InvitationTarget,
  email: string,
): Promise<InvitationCreated> {
  const scope: InvitationScope =
    target.kind === 'organization'
      ? { organizationId: target.organizationId }
      : { tenantId: target.tenantId };
  // The place first, as every change of its members locks it; then the sender's invitations
  // count one after the other, whatever they invite to.
  await lockScope(tx, scope);
  if (dialectOf(tx) === 'postgresql')
    await tx.lock(tx.getReference(User, sender.id), LockMode.PESSIMISTIC_WRITE);
  await keepToHourlyLimits(tx, sender, scope);
  if (await tx.count(User, { email, isReviewer: true }))
    throw new DomainError(
      'CONFLICT',
      `${email} is a Gatehouse reviewer's account: reviewers cannot join an organization or administer a tenant.`,
    );
  const now = new Date();
  for (const earlier of await tx.find(Invitation, { email, ...whereScope(scope), ...stillPending(now) })) {
    earlier.revokedAt = now;
    auditRevoked(tx, sender, scope, earlier);
  }
  const token = randomToken(TOKEN_PREFIX, TOKEN_BYTES);
  const invitation = tx.create(Invitation, {
    id: crypto.randomUUID(),
    tokenHash: sha256Hex(token),
    kind: target.kind,
    email,
    organization: target.kind === 'organization' ? target.organizationId : null,
    role: target.kind === 'organization' ? target.role : null,
    tenant: target.kind === 'tenant' ? target.tenantId : null,
    invitedBy: sender.id,
    expiresAt: invitationExpiry(now),
  });
  audit(tx, sender, {
    action: target.kind === 'organization' ? 'team.member_invited' : 'tenant.admin_invited',
    ...auditScope(scope),
    after: invitationSnapshot(invitation),
    touched: { data: { invitationId: invitation.id } },
  });
  return { invitationId: invitation.id, email, token, expiresAt: invitation.expiresAt };
}

/** Revokes a pending invitation of `scope`; any other (used, expired, foreign, missing) answers NOT_FOUND. */
export async function revokeInvitation(
  em: EntityManager,
  actor: Actor,
  scope: InvitationScope,
  invitationId: string,
): Promise<void> {
  await em.transactional(async (tx) => {
    await lockScope(tx, scope);
    const invitation = isUuid(invitationId)
      ? await tx.findOne(Invitation, { id: invitationId, ...whereScope(scope), ...stillPending() })
      : null;
    if (!invitation) throw notFound('Invitation');
    invitation.revokedAt = new Date();
    auditRevoked(tx, actor, scope, invitation);
  });
}

/** The invitations of `scope` still waiting, oldest first: never a token. */
export async function pendingInvitations(
  em: EntityManager,
  scope: InvitationScope,
): Promise<PendingInvitation[]> {
  const invitations = await em.find(
    Invitation,
    { ...whereScope(scope), ...stillPending() },
    { populate: ['invitedBy'], orderBy: { createdAt: 'asc', id: 'asc' } },
  );
  return invitations.map((invitation) => ({
    invitationId: invitation.id,
    email: invitation.email,
    role: invitation.role ?? null,
    invitedByEmail: invitation.invitedBy?.email ?? null,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
  }));
}
