import {
  DomainError,
  type InviteMemberInput,
  leavesNoOwner,
  notFound,
  type OrgRole,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { Invitation, Session, User, type UserEntity } from '../../db/entities';
import { isUuid } from '../../db/ids';
import type { Developer } from '../../procedures';
import { issueInvitation, lockScope, pendingInvitations, revokeInvitation, revokeSentBy } from './issuing';

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: OrgRole;
  joinedAt: Date;
  isYou: boolean;
}

export interface PendingInvitation {
  invitationId: string;
  email: string;
  role: OrgRole | null;
  invitedByEmail: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface InvitationCreated {
  invitationId: string;
  email: string;
  token: string;
  expiresAt: Date;
}

const roleOf = (user: UserEntity): OrgRole => user.orgRole ?? 'developer';
const LAST_OWNER = 'An organization needs an Owner: make another member an Owner first.';

/** What the audit trail records of a member. */
const snapshot = (user: UserEntity) => ({ userId: user.id, email: user.email, role: roleOf(user) });

function toMember(user: UserEntity, joinedAt: Date, you: Developer): Member {
  return {
    userId: user.id,
    name: user.name,
    email: user.email,
    role: roleOf(user),
    joinedAt,
    isYou: user.id === you.id,
  };
}

/** When each member joined: through their latest accepted invitation, else when their account was made. */
async function joinDates(em: EntityManager, organizationId: string): Promise<Map<string, Date>> {
  const accepted = await em.find(
    Invitation,
    { organization: organizationId, acceptedAt: { $ne: null } },
    { fields: ['email', 'acceptedAt'], orderBy: { acceptedAt: 'asc' } },
  );
  return new Map(accepted.map((invitation) => [invitation.email, invitation.acceptedAt as Date]));
}

/** The organization's members, Owners first, and its pending invitations (for Owners only). */
export async function listTeam(
  em: EntityManager,
  developer: Developer,
): Promise<{ organizationName: string; members: Member[]; invitations: PendingInvitation[] }> {
  const users = await em.find(
    User,
    { organization: developer.organizationId },
    { orderBy: { name: 'asc', id: 'asc' } },
  );
  const joined = await joinDates(em, developer.organizationId);
  const members = users
    .map((user) => toMember(user, joined.get(user.email) ?? user.createdAt, developer))
    .sort((a, b) => Number(b.role === 'owner') - Number(a.role === 'owner'));
  const invitations =
    developer.organizationRole === 'owner'
      ? await pendingInvitations(em, { organizationId: developer.organizationId })
      : [];
  return { organizationName: developer.organizationName, members, invitations };
}

/** Invites `email` into the Owner's organization with `role`; someone already in it is refused. */
export async function inviteMember(
  em: EntityManager,
  owner: Developer,
  input: InviteMemberInput,
): Promise<InvitationCreated> {
  return em.transactional(async (tx) => {
    if (await tx.count(User, { email: input.email, organization: owner.organizationId }))
      throw new DomainError('CONFLICT', `${input.email} is already a member of ${owner.organizationName}.`);
    return issueInvitation(
      tx,
      owner,
      { kind: 'organization', organizationId: owner.organizationId, role: input.role },
      input.email,
    );
  });
}

export async function revokeMemberInvitation(
  em: EntityManager,
  owner: Developer,
  invitationId: string,
): Promise<void> {
  await revokeInvitation(em, owner, { organizationId: owner.organizationId }, invitationId);
}

/** A member of the Owner's own organization, in `tx`; any other user answers like a missing one. */
async function findMember(tx: EntityManager, owner: Developer, userId: string): Promise<UserEntity> {
  await lockScope(tx, { organizationId: owner.organizationId });
  const member = isUuid(userId)
    ? await tx.findOne(User, { id: userId, organization: owner.organizationId })
    : null;
  if (!member) throw notFound('Member');
  return member;
}

/** Refuses a change that would take away the organization's last Owner. */
async function keepAnOwner(tx: EntityManager, owner: Developer, member: UserEntity): Promise<void> {
  if (roleOf(member) !== 'owner') return;
  const owners = await tx.count(User, { organization: owner.organizationId, orgRole: 'owner' });
  if (leavesNoOwner(roleOf(member), owners)) throw new DomainError('CONFLICT', LAST_OWNER);
}

export async function changeMemberRole(
  em: EntityManager,
  owner: Developer,
  input: { userId: string; role: OrgRole },
): Promise<Member> {
  return em.transactional(async (tx) => {
    const member = await findMember(tx, owner, input.userId);
    const joined = await joinDates(tx, owner.organizationId);
    if (roleOf(member) === input.role)
      return toMember(member, joined.get(member.email) ?? member.createdAt, owner);
    if (input.role !== 'owner') await keepAnOwner(tx, owner, member);
    const before = snapshot(member);
    if (before.role === 'owner')
      await revokeSentBy(tx, owner, { organizationId: owner.organizationId }, member.id);
    member.orgRole = input.role;
    audit(tx, owner, {
      action: 'team.member_role_changed',
      organizationId: owner.organizationId,
      before,
      after: snapshot(member),
      touched: { data: { userId: member.id } },
    });
    return toMember(member, joined.get(member.email) ?? member.createdAt, owner);
  });
}

/**
 * Takes the member out of the organization, revokes the invitations they sent to it and ends all
 * their sessions at once (their next call is refused as signed out); never the last Owner,
 * themself included.
 */
export async function removeMember(em: EntityManager, owner: Developer, userId: string): Promise<void> {
  await em.transactional(async (tx) => {
    const member = await findMember(tx, owner, userId);
    await keepAnOwner(tx, owner, member);
    const before = snapshot(member);
    await revokeSentBy(tx, owner, { organizationId: owner.organizationId }, member.id);
    member.organization = null;
    member.orgRole = null;
    const sessionsEnded = await tx.nativeDelete(Session, { user: member.id });
    audit(tx, owner, {
      action: 'team.member_removed',
      organizationId: owner.organizationId,
      before,
      after: { userId: member.id, email: member.email, sessionsEnded },
      touched: { data: { userId: member.id } },
    });
  });
}
