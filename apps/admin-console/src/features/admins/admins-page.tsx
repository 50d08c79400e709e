import { INVITATION_TTL_HOURS, workEmailSchema } from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  ConfirmDialog,
  DataTable,
  InvitationLinkOnce,
  invitationLink,
  messageFrom,
  PendingInvitations,
  QueryResult,
  type RouterOutputs,
  type ShownInvitation,
  TextField,
  useForm,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTenant } from '../access/tenant-scope';

type Admin = RouterOutputs['team']['tenantAdmins']['admins'][number];

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
  const [inviting, setInviting] = useState(false);
  const [shown, setShown] = useState<ShownInvitation | null>(null);
  const [removing, setRemoving] = useState<Admin | null>(null);
  const invite = useMutation(
    trpc.team.inviteTenantAdmin.mutationOptions({
      onSuccess: async (created) => {
        setInviting(false);
        setShown({
          invitationId: created.invitationId,
          email: created.email,
          link: invitationLink('/admin/invitation', created.token),
          expiresAt: created.expiresAt,
        });
        await reload();
      },
    }),
  );
  const revoke = useMutation(
    trpc.team.revokeTenantInvitation.mutationOptions({
      onSuccess: async (_done, { invitationId }) => {
        // A revoked invitation's link no longer works: it is not offered for copying any more.
        setShown((current) => (current?.invitationId === invitationId ? null : current));
        await reload();
      },
    }),
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
        {inviting ? null : (
          <Button
            variant="primary"
            onClick={() => {
              invite.reset();
              setShown(null);
              setInviting(true);
            }}
          >
            Invite admin
          </Button>
        )}
      </div>
      <p className="muted">
        Admins of this tenant decide which apps may use its data, in both environments, and invite further
        admins.
      </p>
      {shown ? <InvitationLinkOnce {...shown} onDone={() => setShown(null)} /> : null}
      {inviting ? (
        <InviteAdminForm
          busy={invite.isPending}
          refused={invite.error}
          onChange={() => invite.reset()}
          onCancel={() => setInviting(false)}
          onSubmit={(email) => invite.mutate({ tenantId, email })}
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
            <h2>Pending invitations</h2>
            {revoke.isError ? <p className="field-error">{messageFrom(revoke.error)}</p> : null}
            <PendingInvitations
              invitations={data.invitations}
              revoking={revoke.isPending ? revoke.variables?.invitationId : undefined}
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

/** Invite admin: the email of the person to invite; its error shows by the field. */
function InviteAdminForm({
  busy,
  refused,
  onChange,
  onCancel,
  onSubmit,
}: {
  busy: boolean;
  refused: unknown;
  onChange: () => void;
  onCancel: () => void;
  onSubmit: (email: string) => void;
}) {
  const form = useForm({ email: '' }, { refused, onChange });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = workEmailSchema.safeParse(form.values.email);
    if (!parsed.success)
      return form.refuse({ email: parsed.error.issues[0]?.message ?? 'Enter a valid email' });
    form.refuse({});
    onSubmit(parsed.data);
  };
  return (
    <section className="card" aria-labelledby="invite-admin-title">
      <h2 id="invite-admin-title">Invite admin</h2>
      <form onSubmit={submit} noValidate>
        {refused && !form.errors.email ? <Banner kind="error">{messageFrom(refused)}</Banner> : null}
        <TextField
          label="Email"
          type="email"
          autoComplete="off"
          {...form.text('email')}
          hint={`You get a one-time link to pass on to them; it works for ${INVITATION_TTL_HOURS} hours.`}
          autoFocus
        />
        <div className="actions" style={{ marginTop: '1rem' }}>
          <Button type="submit" variant="primary" busy={busy}>
            Create invitation
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </section>
  );
}
