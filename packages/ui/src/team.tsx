import { INVITATION_TTL_HOURS, ORG_ROLE_LABELS } from '@gatehouse/domain';
import { type FormEvent, type ReactNode, useState } from 'react';
import { CopyableValue } from './credentials';
import { DataTable } from './data-table';
import { TextField } from './fields';
import { useForm } from './form';
import { formatDateTime } from './format';
import { Banner, Button, EmptyState } from './primitives';
import { messageFrom, type RouterOutputs } from './trpc';

export type PendingInvitation = RouterOutputs['team']['members']['invitations'][number];
/** A new invitation as sending it answers, with its one-time token. */
export type CreatedInvitation = RouterOutputs['team']['invite'];

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

/**
 * Inviting from a team page: whether the invite form is open, and the link of
 * the invitation just made, shown once, accepted at `acceptPath`. `onInvited`
 * and `onRevoked` are the invite and revoke calls' `onSuccess`: a new invitation
 * closes the form and shows its link; a revoked one takes its link off screen,
 * as it no longer works. Both then `reload` the page's lists.
 */
export function useInvitationLinks(acceptPath: string, reload: () => Promise<unknown>) {
  const [inviting, setInviting] = useState(false);
  const [shown, setShown] = useState<ShownInvitation | null>(null);
  return {
    inviting,
    shown,
    /** Opens the invite form afresh: without the link shown before or the last call's refusal. */
    startInviting: (invite: InviteCall) => {
      invite.reset();
      setShown(null);
      setInviting(true);
    },
    stopInviting: () => setInviting(false),
    hideLink: () => setShown(null),
    onInvited: async (created: CreatedInvitation) => {
      setInviting(false);
      setShown({
        invitationId: created.invitationId,
        email: created.email,
        link: invitationLink(acceptPath, created.token),
        expiresAt: created.expiresAt,
      });
      await reload();
    },
    onRevoked: async (_revoked: unknown, { invitationId }: { invitationId: string }) => {
      setShown((current) => (current?.invitationId === invitationId ? null : current));
      await reload();
    },
  };
}

/** Where the call sending an invitation stands: under way, or refused; `reset` forgets it. */
export interface InviteCall {
  isPending: boolean;
  error: unknown;
  reset: () => void;
}

/** What checks an invite form's values before sending: one of the domain's schemas. */
interface InviteCheck<Input> {
  safeParse(
    values: unknown,
  ):
    | { success: true; data: Input }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/**
 * An invite form titled `title`: the email of the person to invite, and what
 * `fields` add (given the form's state), checked with `check` before sending
 * with `invite`. Each error shows by its field; one no field explains shows
 * above them. Changing a field forgets the last refusal.
 */
export function InviteByEmailForm<T extends { email: string } & Record<string, unknown>, Input>({
  title,
  titleId,
  initial,
  check,
  fields,
  invite,
  onCancel,
  onSubmit,
}: {
  title: string;
  titleId: string;
  initial: T;
  check: InviteCheck<Input>;
  fields?: (form: ReturnType<typeof useForm<T>>) => ReactNode;
  invite: InviteCall;
  onCancel: () => void;
  onSubmit: (input: Input) => void;
}) {
  const refused = invite.error;
  const form = useForm(initial, { refused, onChange: () => invite.reset() });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = check.safeParse(form.values);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
      return form.refuse(errors);
    }
    form.refuse({});
    onSubmit(parsed.data);
  };
  const explainedByAField = Object.keys(initial).some((key) => form.errors[key]);
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <form onSubmit={submit} noValidate>
        {refused && !explainedByAField ? <Banner kind="error">{messageFrom(refused)}</Banner> : null}
        <TextField
          label="Email"
          type="email"
          autoComplete="off"
          value={form.values.email}
          onChange={(event) => form.set('email', event.target.value as T['email'])}
          error={form.errors.email}
          hint={`You get a one-time link to pass on to them; it works for ${INVITATION_TTL_HOURS} hours.`}
          autoFocus
        />
        {fields?.(form)}
        <div className="actions" style={{ marginTop: '1rem' }}>
          <Button type="submit" variant="primary" busy={invite.isPending}>
            Create invitation
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </section>
  );
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
 * Invitations sent and not yet accepted, under their heading, with Revoke (which
 * makes the link stop working) when `onRevoke` is given and why the last
 * revocation failed; `withRole` adds the role each one gives.
 */
export function PendingInvitations({
  invitations,
  withRole,
  onRevoke,
  revoking,
  revokeRefused,
}: {
  invitations: PendingInvitation[];
  withRole?: boolean;
  onRevoke?: (invitation: PendingInvitation) => void;
  /** The invitation whose revocation is under way. */
  revoking?: string | undefined;
  /** The last revocation's error. */
  revokeRefused?: unknown;
}) {
  return (
    <>
      <h2>Pending invitations</h2>
      {revokeRefused ? <p className="field-error">{messageFrom(revokeRefused)}</p> : null}
      <PendingInvitationList
        invitations={invitations}
        withRole={withRole}
        onRevoke={onRevoke}
        revoking={revoking}
      />
    </>
  );
}

function PendingInvitationList({
  invitations,
  withRole,
  onRevoke,
  revoking,
}: {
  invitations: PendingInvitation[];
  withRole: boolean | undefined;
  onRevoke: ((invitation: PendingInvitation) => void) | undefined;
  revoking: string | undefined;
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
