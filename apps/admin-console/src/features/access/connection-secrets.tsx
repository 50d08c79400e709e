import { ENVIRONMENT_LABEL, GRACE_HOURS, isLiveSecretState, type SecretState } from '@gatehouse/domain';
import {
  Badge,
  Button,
  ConfirmDialog,
  CredentialsOnce,
  DataTable,
  fieldErrorsFrom,
  formatDateTime,
  messageFrom,
  TextField,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConnectionDetail } from './connection-detail';
import { useRefreshConnections } from './tenant-scope';

const SECRET_STATE: Record<SecretState, { label: string; tone: 'good' | 'warn' | 'bad' | 'neutral' }> = {
  active: { label: 'Active', tone: 'good' },
  expiring: { label: 'Expiring', tone: 'warn' },
  expired: { label: 'Expired', tone: 'neutral' },
  revoked: { label: 'Revoked', tone: 'bad' },
};

export function Secrets({ connection }: { connection: ConnectionDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshConnections();
  const [graceHours, setGraceHours] = useState(String(GRACE_HOURS.default));
  const [revoking, setRevoking] = useState<{ id: string; start: string } | null>(null);
  const rotate = useMutation(trpc.connections.rotateSecret.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(
    trpc.connections.revokeSecret.mutationOptions({
      onSuccess: async () => {
        setRevoking(null);
        await refresh();
      },
    }),
  );
  return (
    <section className="card" aria-labelledby="secrets-title">
      <h2 id="secrets-title">Client ID &amp; Secret</h2>
      <p>
        Client ID <code>{connection.clientId}</code>{' '}
        <span className="muted">(only for {ENVIRONMENT_LABEL[connection.environment]})</span>
      </p>
      {rotate.data ? (
        <CredentialsOnce
          clientId={rotate.data.clientId}
          clientSecret={rotate.data.clientSecret}
          onDone={() => rotate.reset()}
        />
      ) : null}
      <DataTable
        caption="Client secrets"
        columns={['Secret', 'Created', 'Created by', 'Last used', 'Status']}
        actions
      >
        {connection.secrets.map((s) => (
          <tr key={s.id}>
            <td>
              <code>{s.start}…</code>
            </td>
            <td>{formatDateTime(s.createdAt)}</td>
            <td>{s.createdBy}</td>
            <td>{s.lastUsedAt ? formatDateTime(s.lastUsedAt) : 'Never'}</td>
            <td>
              <Badge tone={SECRET_STATE[s.state].tone}>{SECRET_STATE[s.state].label}</Badge>
              {s.state === 'expiring' && s.expiresAt ? (
                <div className="muted">until {formatDateTime(s.expiresAt)}</div>
              ) : null}
            </td>
            <td>
              {isLiveSecretState(s.state) ? (
                <Button
                  variant="ghost"
                  onClick={() => {
                    revoke.reset();
                    setRevoking({ id: s.id, start: s.start });
                  }}
                  aria-label={`Revoke secret ${s.start}`}
                >
                  Revoke
                </Button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          rotate.mutate({ connectionId: connection.id, graceHours: Number(graceHours) });
        }}
      >
        <TextField
          label="Grace period for the current secret (hours)"
          type="number"
          min={0}
          max={GRACE_HOURS.max}
          value={graceHours}
          onChange={(e) => setGraceHours(e.target.value)}
          error={
            rotate.isError
              ? (fieldErrorsFrom(rotate.error).graceHours ?? messageFrom(rotate.error))
              : undefined
          }
          hint="The current secret keeps working this long, then expires."
        />
        <Button type="submit" busy={rotate.isPending} busyLabel="Rotating…" style={{ marginTop: '1.75rem' }}>
          Rotate secret
        </Button>
      </form>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this client secret?"
        confirmLabel="Revoke secret"
        busy={revoke.isPending}
        busyLabel="Revoking…"
        error={revoke.isError ? messageFrom(revoke.error) : undefined}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ connectionId: connection.id, secretId: revoking.id })}
      >
        <p>
          The secret starting <code>{revoking?.start}</code> stops working at once. The app cannot get new
          tokens with it.
        </p>
      </ConfirmDialog>
    </section>
  );
}
