import { ORG_ROLE_LABELS, type OrgRole } from '@gatehouse/domain';
import {
  Badge,
  Button,
  ConfirmDialog,
  DataTable,
  formatDate,
  InvitationLinkOnce,
  messageFrom,
  PendingInvitations,
  QueryResult,
  type RouterOutputs,
  useInvitationLinks,
  useReload,
  useSignedInUser,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { InviteMemberForm } from './invite-member';

type Member = RouterOutputs['team']['members']['members'][number];

/** A member's change waiting for its confirmation. */
type Pending = { action: 'role'; member: Member; role: OrgRole } | { action: 'remove'; member: Member };

const otherRole = (role: OrgRole): OrgRole => (role === 'owner' ? 'developer' : 'owner');

/**
 * Team: the organization's members with their roles. Owners invite (the
 * one-time link is shown once), revoke pending invitations, change roles and
 * remove members, each change confirmed first; Developers read the list.
 */
export function TeamPage() {
  const user = useSignedInUser();
  const isOwner = user.organizationRole === 'owner';
  const trpc = useTRPC();
  const team = useQuery(trpc.team.members.queryOptions());
  // A change of one's own role or membership changes what the portal lets one do.
  const reload = useReload(trpc.team.members.queryKey(), trpc.auth.me.queryKey());
  const links = useInvitationLinks('/invitation', reload);
  const [pending, setPending] = useState<Pending | null>(null);
  const invite = useMutation(trpc.team.invite.mutationOptions({ onSuccess: links.onInvited }));
  const revoke = useMutation(trpc.team.revokeInvitation.mutationOptions({ onSuccess: links.onRevoked }));
  const changeRole = useMutation(
    trpc.team.changeRole.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await reload();
      },
    }),
  );
  const remove = useMutation(
    trpc.team.remove.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await reload();
      },
    }),
  );
  const ask = (next: Pending) => {
    changeRole.reset();
    remove.reset();
    setPending(next);
  };
  const confirming = pending?.action === 'role' ? changeRole : remove;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Team</h1>
          <p className="muted" style={{ margin: 0 }}>
            {team.data?.organizationName ?? user.organizationName}
          </p>
        </div>
        {isOwner && !links.inviting ? (
          <Button variant="primary" onClick={() => links.startInviting(invite)}>
            Invite member
          </Button>
        ) : null}
      </div>
      <p className="muted">
        Owners invite, change roles and remove members; Developers manage the organization's apps.
        {isOwner ? null : ' Ask an Owner to change who is on the team.'}
      </p>
      {links.shown ? <InvitationLinkOnce {...links.shown} onDone={links.hideLink} /> : null}
      {links.inviting ? (
        <InviteMemberForm
          invite={invite}
          onCancel={links.stopInviting}
          onSubmit={(input) => invite.mutate(input)}
        />
      ) : null}
      <QueryResult query={team} loading="Loading the team…">
        {({ members, invitations }) => (
          <>
            <h2>Members</h2>
            <DataTable
              caption="Members of your organization"
              columns={['Name', 'Email', 'Role', 'Joined']}
              actions={isOwner}
            >
              {members.map((member) => (
                <tr key={member.userId}>
                  <td>
                    {member.name} {member.isYou ? <Badge>You</Badge> : null}
                  </td>
                  <td className="break wide">{member.email}</td>
                  <td>
                    <Badge tone={member.role === 'owner' ? 'info' : 'neutral'}>
                      {ORG_ROLE_LABELS[member.role]}
                    </Badge>
                  </td>
                  <td className="nowrap">{formatDate(member.joinedAt)}</td>
                  {isOwner ? (
                    <td>
                      <div className="actions" style={{ flexWrap: 'nowrap' }}>
                        <Button
                          onClick={() => ask({ action: 'role', member, role: otherRole(member.role) })}
                          aria-label={`Change role of ${member.name}`}
                        >
                          Change role
                        </Button>
                        <Button
                          variant="danger"
                          onClick={() => ask({ action: 'remove', member })}
                          aria-label={`Remove ${member.name}`}
                        >
                          Remove
                        </Button>
                      </div>
                    </td>
                  ) : null}
                </tr>
              ))}
            </DataTable>
            {isOwner ? (
              <PendingInvitations
                invitations={invitations}
                withRole
                revoking={revoke.isPending ? revoke.variables?.invitationId : undefined}
                revokeRefused={revoke.error}
                onRevoke={(invitation) => revoke.mutate({ invitationId: invitation.invitationId })}
              />
            ) : null}
          </>
        )}
      </QueryResult>
      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.action === 'role'
            ? `Make ${pending.member.name} ${pending.role === 'owner' ? 'an Owner' : 'a Developer'}?`
            : `Remove ${pending?.member.name ?? ''}?`
        }
        confirmLabel={pending?.action === 'role' ? `Make ${ORG_ROLE_LABELS[pending.role]}` : 'Remove member'}
        busy={confirming.isPending}
        error={confirming.isError ? messageFrom(confirming.error) : undefined}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          if (pending?.action === 'role')
            changeRole.mutate({ userId: pending.member.userId, role: pending.role });
          else if (pending) remove.mutate({ userId: pending.member.userId });
        }}
      >
        {pending?.action === 'role' ? (
          <p>
            {pending.role === 'owner'
              ? `${pending.member.name} (${pending.member.email}) will be able to invite, change roles and remove members.`
              : `${pending.member.name} (${pending.member.email}) will no longer manage the team; they keep working on the organization's apps.`}
          </p>
        ) : pending ? (
          <p>
            {pending.member.isYou
              ? "You lose access to the organization's apps at once and are signed out everywhere."
              : `${pending.member.name} (${pending.member.email}) loses access to the organization's apps at once and is signed out everywhere.`}{' '}
            The organization's apps and their history stay.
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
