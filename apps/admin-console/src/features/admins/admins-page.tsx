import { inviteTenantAdminSchema } from '@gatehouse/domain';
import {
  Badge,
  Button,
  ConfirmDialog,
  DataTable,
  InvitationLinkOnce,
  InviteByEmailForm,
  messageFrom,
  PendingInvitations,
  QueryResult,
  type RouterOutputs,
  useInvitationLinks,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTenant } from '../access/tenant-scope';

type Admin = RouterOutputs['team']['tenantAdmins']['admins'][number];

/** What Invite admin asks for: the email of the person to invite. */
const adminEmail = inviteTenantAdminSchema.pick({ email: true });

/**
 * Admins: who manages this tenant's API application access. Any of them
 * invites another (the one-time link is shown once), revokes a pending
 * invitation or removes an admin, confirmed first; the last admin stays.
 */
export function AdminsPage() {
  const { tenantId, tenantName } = useTenant();
  const trpc = useTRPC();
  const admins = useQuery(trpc.team.tenantAdmins.queryOptions({ tenantId }));
  // Removing oneself changes which tenants one manages.
  const reload = useReload(trpc.team.tenantAdmins.queryKey({ tenantId }), trpc.auth.me.queryKey());
  const links = useInvitationLinks('/admin/invitation', reload);
  const [removing, setRemoving] = useState<Admin | null>(null);
  const invite = useMutation(trpc.team.inviteTenantAdmin.mutationOptions({ onSuccess: links.onInvited }));
  const revoke = useMutation(
    trpc.team.revokeTenantInvitation.mutationOptions({ onSuccess: links.onRevoked }),
  );
  const remove = useMutation(
    trpc.team.removeTenantAdmin.mutationOptions({
      onSuccess: async () => {
        setRemoving(null);
        await reload();
      },
    }),
  );
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Admins</h1>
          <p className="muted" style={{ margin: 0 }}>
            {admins.data?.tenantName ?? tenantName} ({tenantId})
          </p>
        </div>
        {links.inviting ? null : (
          <Button variant="primary" onClick={() => links.startInviting(invite)}>
            Invite admin
          </Button>
        )}
      </div>
      <p className="muted">
        Admins of this tenant decide which apps may use its data, in both environments, and invite further
        admins.
      </p>
      {links.shown ? <InvitationLinkOnce {...links.shown} onDone={links.hideLink} /> : null}
      {links.inviting ? (
        <InviteByEmailForm
          title="Invite admin"
          titleId="invite-admin-title"
          initial={{ email: '' }}
          check={adminEmail}
          invite={invite}
          onCancel={links.stopInviting}
          onSubmit={({ email }) => invite.mutate({ tenantId, email })}
        />
      ) : null}
      <QueryResult query={admins} loading="Loading admins…">
        {(data) => (
          <>
            <h2>Tenant admins</h2>
            <DataTable caption={`Admins of tenant ${tenantId}`} columns={['Name', 'Email']} actions>
              {data.admins.map((admin) => (
                <tr key={admin.userId}>
                  <td>
                    {admin.name} {admin.isYou ? <Badge>You</Badge> : null}
                  </td>
                  <td className="break wide">{admin.email}</td>
                  <td>
                    <Button
                      variant="danger"
                      onClick={() => {
                        remove.reset();
                        setRemoving(admin);
                      }}
                      aria-label={`Remove ${admin.name}`}
                    >
                      Remove
                    </Button>
                  </td>
                </tr>
              ))}
            </DataTable>
            <PendingInvitations
              invitations={data.invitations}
              revoking={revoke.isPending ? revoke.variables?.invitationId : undefined}
              revokeRefused={revoke.error}
              onRevoke={(invitation) => revoke.mutate({ tenantId, invitationId: invitation.invitationId })}
            />
          </>
        )}
      </QueryResult>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove admin"
        busy={remove.isPending}
        error={remove.isError ? messageFrom(remove.error) : undefined}
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ tenantId, userId: removing.userId })}
      >
        <p>
          {removing?.isYou
            ? `You will no longer manage tenant ${tenantId}.`
            : `${removing?.name ?? ''} (${removing?.email ?? ''}) will no longer manage tenant ${tenantId}.`}{' '}
          The apps connected to it keep their access.
        </p>
      </ConfirmDialog>
    </>
  );
}
