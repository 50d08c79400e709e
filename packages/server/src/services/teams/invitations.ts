import {
  type AcceptInvitationInput,
  DomainError,
  type FieldErrors,
  type InvitationKind,
  type OrgRole,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { hashPassword, sha256Hex } from '../../auth/secrets';
import { loadSessionUser, type SessionUser, startSession } from '../../auth/sessions';
import { Invitation, type InvitationEntity, TenantAdmin, User, type UserEntity } from '../../db/entities';
import { refuseRaces } from '../races';
import { lockScope, stillPending } from './issuing';

export interface InvitationView {
  kind: InvitationKind;
  email: string;
  to: string;
  tenantId: string | null;
  role: OrgRole | null;
  invitedByName: string | null;
  expiresAt: Date;
  hasAccount: boolean;
}

/** One answer for unknown, expired, used and revoked links alike. */
const LINK_INVALID = 'This invitation is not valid any more. Ask whoever invited you for a new one.';
const RACE = 'This account changed at the same time. Please try again.';
const REVIEWER =
  'Reviewer accounts cannot join an organization or administer a tenant: reviewers stay independent of the apps they review.';

/**
 * Whether whoever sent the invitation may still invite there: an Owner of its organization, or an
 * admin of its tenant. A sender removed, demoted or deleted since leaves the link not working.
 */
async function senderStillEntitled(em: EntityManager, invitation: InvitationEntity): Promise<boolean> {
  const senderId = invitation.invitedBy?.id;
  if (!senderId) return false;
  if (invitation.kind === 'organization')
    return (
      !!invitation.organization &&
      (await em.count(User, { id: senderId, organization: invitation.organization.id, orgRole: 'owner' })) > 0
    );
  return (
    !!invitation.tenant && (await em.count(TenantAdmin, { user: senderId, tenant: invitation.tenant.id })) > 0
  );
}

async function pendingByToken(em: EntityManager, token: string): Promise<InvitationEntity> {
  const invitation = await em.findOne(
    Invitation,
    { tokenHash: sha256Hex(token), ...stillPending() },
    { populate: ['organization', 'tenant', 'invitedBy'] },
  );
  if (!invitation || !(await senderStillEntitled(em, invitation)))
    throw new DomainError('NOT_FOUND', LINK_INVALID);
  return invitation;
}

/** What a link still working invites to; NOT_FOUND otherwise. */
export async function invitationFor(em: EntityManager, token: string): Promise<InvitationView> {
  const invitation = await pendingByToken(em, token);
  return {
    kind: invitation.kind,
    email: invitation.email,
    to: invitation.organization?.name ?? invitation.tenant?.name ?? '',
    tenantId: invitation.tenant?.id ?? null,
    role: invitation.role ?? null,
    invitedByName: invitation.invitedBy?.name ?? null,
    expiresAt: invitation.expiresAt,
    hasAccount: (await em.count(User, { email: invitation.email })) > 0,
  };
}

/** A newcomer's name and password, both needed to make the account. */
function newcomerDetails(input: AcceptInvitationInput): { name: string; password: string } {
  const fieldErrors: FieldErrors = {};
  if (!input.name) fieldErrors.name = 'Name is required';
  if (!input.password) fieldErrors.password = 'Choose a password';
  if (!input.name || !input.password)
    throw new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', fieldErrors);
  return { name: input.name, password: input.password };
}

/** Makes `user` what the invitation invites to, and records it; refuses what it already is. */
async function join(tx: EntityManager, invitation: InvitationEntity, user: UserEntity): Promise<void> {
  if (user.isReviewer) throw new DomainError('FORBIDDEN', REVIEWER);
  const invitedOf = { invitationId: invitation.id, invitedByEmail: invitation.invitedBy?.email ?? null };
  if (invitation.kind === 'organization' && invitation.organization) {
    const organization = invitation.organization;
    if (user.organization?.id === organization.id)
      throw new DomainError('CONFLICT', `You are already a member of ${organization.name}.`);
    if (user.organization)
      throw new DomainError(
        'CONFLICT',
        `${user.email} is a member of another organization. An account belongs to one organization only.`,
      );
    // Claimed only while the account is in no organization: two invitations accepted at once
    // cannot both move it.
    const role = invitation.role ?? 'developer';
    await tx.flush();
    const claimed = await tx.nativeUpdate(
      User,
      { id: user.id, organization: null },
      { organization: organization.id, orgRole: role },
    );
    if (claimed !== 1) throw new DomainError('CONFLICT', RACE);
    audit(tx, user, {
      action: 'team.member_joined',
      organizationId: organization.id,
      after: { userId: user.id, email: user.email, role, ...invitedOf },
      touched: { data: { userId: user.id, invitationId: invitation.id } },
    });
    return;
  }
  const tenant = invitation.tenant;
  if (!tenant) throw new DomainError('NOT_FOUND', LINK_INVALID);
  if (await tx.count(TenantAdmin, { user: user.id, tenant: tenant.id }))
    throw new DomainError('CONFLICT', `You are already an admin of ${tenant.name}.`);
  tx.create(TenantAdmin, { id: crypto.randomUUID(), user, tenant });
  audit(tx, user, {
    action: 'tenant.admin_joined',
    tenantId: tenant.id,
    after: { userId: user.id, email: user.email, ...invitedOf },
    touched: { data: { userId: user.id, invitationId: invitation.id } },
  });
}

/**
 * Accepts once (two tabs racing: one wins): a newcomer's account is made with the name and
 * password given, and signed in; an existing account must be the caller's (signed in), and its
 * name and password stay as they are.
 */
export async function acceptInvitation(
  em: EntityManager,
  input: AcceptInvitationInput,
  caller: SessionUser | null,
): Promise<{ user: SessionUser; session: { token: string; expiresAt: Date } | null }> {
  const found = await pendingByToken(em, input.token);
  const account = await em.findOne(User, { email: found.email });
  if (account && caller?.id !== account.id)
    throw new DomainError('FORBIDDEN', `Sign in as ${found.email} to accept this invitation.`);
  if (account?.isReviewer) throw new DomainError('FORBIDDEN', REVIEWER);
  const newcomer = account ? null : newcomerDetails(input);
  const passwordHash = newcomer ? await hashPassword(newcomer.password) : null;

  const userId = await refuseRaces(em.fork(), RACE, async (tx) => {
    // The place first, as every change of its members locks it: its sender cannot be removed,
    // nor its Owners change, until this account has joined.
    if (found.organization) await lockScope(tx, { organizationId: found.organization.id });
    else if (found.tenant) await lockScope(tx, { tenantId: found.tenant.id });
    const now = new Date();
    const claimed = await tx.nativeUpdate(
      Invitation,
      { id: found.id, ...stillPending(now) },
      { acceptedAt: now },
    );
    if (claimed !== 1) throw new DomainError('NOT_FOUND', LINK_INVALID);
    const invitation = await tx.findOneOrFail(
      Invitation,
      { id: found.id },
      { populate: ['organization', 'tenant', 'invitedBy'] },
    );
    if (!(await senderStillEntitled(tx, invitation))) throw new DomainError('NOT_FOUND', LINK_INVALID);
    const user =
      account && !newcomer
        ? await tx.findOneOrFail(User, { id: account.id }, { populate: ['organization'] })
        : tx.create(User, {
            id: crypto.randomUUID(),
            email: invitation.email,
            name: newcomer?.name ?? '',
            passwordHash: passwordHash ?? '',
            organization: null,
            orgRole: null,
            isReviewer: false,
          });
    await join(tx, invitation, user);
    return user.id;
  });

  const session = newcomer ? await startSession(em, userId) : null;
  const user = await em.fork().findOneOrFail(User, { id: userId }, { populate: ['organization'] });
  return { user: await loadSessionUser(em.fork(), user), session };
}
