import { INVITATION_TTL_HOURS, ORG_ROLE_LABELS } from '@gatehouse/domain';
import { CopyableValue } from './credentials';
import { DataTable } from './data-table';
import { formatDateTime } from './format';
import { Banner, Button, EmptyState } from './primitives';
import type { RouterOutputs } from './trpc';

export type PendingInvitation = RouterOutputs['team']['members']['invitations'][number];

/**
 * The link that accepts an invitation: the token rides in the fragment, which
 * browsers never send, so it stays out of every server's and proxy's log.
 */
export function invitationLink(acceptPath: string, token: string): string {
  return `${window.location.origin}${acceptPath}#${encodeURIComponent(token)}`;
}

/** A new invitation, with the link that accepts it, while its sender still sees it. */
export interface ShownInvitation {
  invitationId: string;
  email: string;
  link: string;
  expiresAt: Date;
}

/** A new invitation's link, on screen now and never again, to pass on to the person invited. */
export function InvitationLinkOnce({
  email,
  link,
  expiresAt,
  onDone,
}: ShownInvitation & { onDone: () => void }) {
  return (
    <Banner kind="success">
      <strong>Invitation made for {email}.</strong> Pass this one-time link on; it works for{' '}
      {INVITATION_TTL_HOURS} hours, until {formatDateTime(expiresAt)}. It will not be shown again.
      <div className="masked" style={{ marginTop: '0.5rem' }}>
        <CopyableValue value={link} testId="invitation-link" copyLabel="Copy link" />
      </div>
      <div className="actions" style={{ marginTop: '0.5rem' }}>
        <Button onClick={onDone}>Done</Button>
      </div>
    </Banner>
  );
}

/**
 * Invitations sent and not yet accepted, with Revoke (which makes the link stop
 * working) when `onRevoke` is given; `withRole` adds the role each one gives.
 */
export function PendingInvitations({
  invitations,
  withRole,
  onRevoke,
  revoking,
}: {
  invitations: PendingInvitation[];
  withRole?: boolean;
  onRevoke?: (invitation: PendingInvitation) => void;
  /** The invitation whose revocation is under way. */
  revoking?: string | undefined;
}) {
  if (invitations.length === 0)
    return (
      <EmptyState title="No pending invitations">
        <p className="muted">An invitation shows here until it is accepted, revoked or expires.</p>
      </EmptyState>
    );
  const columns = withRole ? ['Email', 'Role', 'Invited by', 'Expires'] : ['Email', 'Invited by', 'Expires'];
  return (
    <DataTable caption="Pending invitations" columns={columns} actions={onRevoke !== undefined}>
      {invitations.map((invitation) => (
        <tr key={invitation.invitationId}>
          <td className="break wide">{invitation.email}</td>
          {withRole ? <td>{invitation.role ? ORG_ROLE_LABELS[invitation.role] : ''}</td> : null}
          <td className="break">{invitation.invitedByEmail ?? <span className="muted">—</span>}</td>
          <td className="nowrap">{formatDateTime(invitation.expiresAt)}</td>
          {onRevoke ? (
            <td>
              <Button
                onClick={() => onRevoke(invitation)}
                busy={revoking === invitation.invitationId}
                aria-label={`Revoke the invitation for ${invitation.email}`}
              >
                Revoke
              </Button>
            </td>
          ) : null}
        </tr>
      ))}
    </DataTable>
  );
}
