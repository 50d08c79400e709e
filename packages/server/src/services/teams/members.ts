import type { InviteMemberInput, OrgRole } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { Developer } from '../../procedures';

// Contract only: the organization's team, as the team router calls it.

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

export async function listTeam(
  _em: EntityManager,
  _developer: Developer,
): Promise<{ organizationName: string; members: Member[]; invitations: PendingInvitation[] }> {
  throw new Error('not built yet');
}

export async function inviteMember(
  _em: EntityManager,
  _owner: Developer,
  _input: InviteMemberInput,
): Promise<InvitationCreated> {
  throw new Error('not built yet');
}

export async function revokeMemberInvitation(
  _em: EntityManager,
  _owner: Developer,
  _invitationId: string,
): Promise<void> {
  throw new Error('not built yet');
}

export async function changeMemberRole(
  _em: EntityManager,
  _owner: Developer,
  _input: { userId: string; role: OrgRole },
): Promise<Member> {
  throw new Error('not built yet');
}

/** Ends the member's sessions at once; never the last Owner. */
export async function removeMember(_em: EntityManager, _owner: Developer, _userId: string): Promise<void> {
  throw new Error('not built yet');
}
