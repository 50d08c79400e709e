import type { AcceptInvitationInput, InvitationKind, OrgRole } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { SessionUser } from '../../auth/sessions';

// Contract only: following an invitation's link.

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

/** What a link still working invites to; NOT_FOUND otherwise. */
export async function invitationFor(_em: EntityManager, _token: string): Promise<InvitationView> {
  throw new Error('not built yet');
}

/**
 * Accepts once: a newcomer's account is made with the name and password given; an existing
 * account must be the caller's (signed in). Starts a session for a newcomer.
 */
export async function acceptInvitation(
  _em: EntityManager,
  _input: AcceptInvitationInput,
  _caller: SessionUser | null,
): Promise<{ user: SessionUser; session: { token: string; expiresAt: Date } | null }> {
  throw new Error('not built yet');
}
