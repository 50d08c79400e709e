import { CREDENTIALS_MODE_LABEL, ENVIRONMENT_LABEL, GRACE_HOURS } from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  ConfirmDialog,
  CredentialsOnce,
  EmptyState,
  fieldErrorsFrom,
  formatDateTime,
  isNotFound,
  Loading,
  messageFrom,
  type RouterOutputs,
  ScopeChanges,
  ScopeList,
  TextField,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConnectionBadge } from './status';
import { useTenant } from './tenant-scope';

type ConnectionDetail = RouterOutputs['connections']['get'];

export function ConnectionPage() {
  const { base } = useTenant();
  const { connectionId = '' } = useParams();
  const trpc = useTRPC();
  const connection = useQuery(trpc.connections.get.queryOptions({ connectionId }));
  if (connection.isPending) return <Loading label="Loading connection…" />;
  if (connection.isError) {
    return isNotFound(connection.error) ? (
      <EmptyState title="Connection not found">
        <Link to={base}>Back to API Application Access</Link>
      </EmptyState>
    ) : (
      <Banner kind="error">{messageFrom(connection.error)}</Banner>
    );
  }
  const c = connection.data;
  return (
    <>
      <p>
        <Link to={base}>← API Application Access</Link>
      </p>
      <div className="page-head">
        <div>
          <h1>{c.appName}</h1>
          <div className="actions">
            <ConnectionBadge state={c.status} />
            {c.acceptedVersion ? <span>Version {c.acceptedVersion}</span> : null}
            <span className="muted">
              {c.organizationName} · {ENVIRONMENT_LABEL[c.environment]}
            </span>
            {c.newVersionAvailable ? <Badge tone="info">New Version Available</Badge> : null}
          </div>
        </div>
        {c.status !== 'declined' && !c.appDeleted ? <DisableRestore connection={c} /> : null}
      </div>
      {c.appDeleted ? (
        <Banner kind="error">
          The developer deleted this app. Its credentials and tokens no longer work.
        </Banner>
      ) : null}
      {!c.offered && !c.appDeleted ? (
        <Banner kind="warning">
          The developer no longer offers this app to your tenant. The connection keeps working until you
          disable it.
        </Banner>
      ) : null}
      {c.status !== 'declined' ? (
        <div className="card">
          <dl className="dl">
            {c.credentialsIssuer ? (
              <>
                <dt>Client credentials</dt>
                <dd data-testid="credentials-issuer">
                  {CREDENTIALS_MODE_LABEL[c.credentialsIssuer]}
                  {c.credentialsIssuer === 'developer' ? (
                    <div className="muted">You can still rotate and revoke its secrets.</div>
                  ) : null}
                </dd>
              </>
            ) : null}
            <dt>Last token issued</dt>
            <dd data-testid="last-token">{c.lastTokenAt ? formatDateTime(c.lastTokenAt) : 'Never'}</dd>
            <dt>Last API call</dt>
            <dd data-testid="last-call">{c.lastCallAt ? formatDateTime(c.lastCallAt) : 'Never'}</dd>
          </dl>
        </div>
      ) : null}
      {c.upgrade && c.newVersionAvailable ? <UpgradePanel connection={c} upgrade={c.upgrade} /> : null}
      {c.upgrade && !c.newVersionAvailable ? (
        <p className="muted">
          You declined version {c.upgrade.toVersion}. <UpgradeLater connection={c} upgrade={c.upgrade} />
        </p>
      ) : null}
      {c.status !== 'declined' ? (
        <>
          <div className="card">
            <h2>
              Scopes in play <span className="muted">(version {c.acceptedVersion})</span>
            </h2>
            <ScopeList scopes={c.scopesInPlay} />
          </div>
          <Secrets connection={c} />
        </>
      ) : (
        <Banner kind="info">
          You declined this app. <Link to={`${base}/connect/${c.appId}`}>Review it again</Link> to allow it.
        </Banner>
      )}
    </>
  );
}

function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.connections.pathKey() });
}

function UpgradePanel({
  connection,
  upgrade,
}: {
  connection: ConnectionDetail;
  upgrade: NonNullable<ConnectionDetail['upgrade']>;
}) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const allow = useMutation(trpc.connections.upgrade.mutationOptions({ onSuccess: refresh }));
  const decline = useMutation(trpc.connections.declineUpgrade.mutationOptions({ onSuccess: refresh }));
  const error = allow.error ?? decline.error;
  return (
    <section className="card upgrade" aria-labelledby="upgrade-title">
      <h2 id="upgrade-title">Upgrade to New Version</h2>
      <p>
        The developer changed the scopes. Version {upgrade.toVersion} asks for the changes below; until you
        allow them, the app keeps version {upgrade.fromVersion}. The client credentials stay the same.
      </p>
      {error ? <Banner kind="error">{fieldErrorsFrom(error).toVersion ?? messageFrom(error)}</Banner> : null}
      <ScopeChanges added={upgrade.added} removed={upgrade.removed} />
      <div className="actions" style={{ marginTop: '1rem' }}>
        <Button
          variant="primary"
          busy={allow.isPending}
          disabled={decline.isPending}
          onClick={() => allow.mutate({ connectionId: connection.id, toVersion: upgrade.toVersion })}
        >
          Allow
        </Button>
        <Button
          busy={decline.isPending}
          disabled={allow.isPending}
          onClick={() => decline.mutate({ connectionId: connection.id, toVersion: upgrade.toVersion })}
        >
          Decline
        </Button>
      </div>
    </section>
  );
}

function UpgradeLater({
  connection,
  upgrade,
}: {
  connection: ConnectionDetail;
  upgrade: NonNullable<ConnectionDetail['upgrade']>;
}) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const allow = useMutation(trpc.connections.upgrade.mutationOptions({ onSuccess: refresh }));
  return (
    <Button
      variant="ghost"
      busy={allow.isPending}
      onClick={() => allow.mutate({ connectionId: connection.id, toVersion: upgrade.toVersion })}
    >
      Upgrade to version {upgrade.toVersion} now
    </Button>
  );
}

function DisableRestore({ connection }: { connection: ConnectionDetail }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const [confirming, setConfirming] = useState(false);
  const disable = useMutation(
    trpc.connections.disable.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await refresh();
      },
    }),
  );
  const restore = useMutation(trpc.connections.restore.mutationOptions({ onSuccess: refresh }));
  if (connection.status === 'disabled') {
    return (
      <div>
        <Button
          variant="primary"
          busy={restore.isPending}
          onClick={() => restore.mutate({ connectionId: connection.id })}
        >
          Restore
        </Button>
        {restore.isError ? <p className="field-error">{messageFrom(restore.error)}</p> : null}
      </div>
    );
  }
  return (
    <>
      <Button
        variant="danger"
        onClick={() => {
          disable.reset();
          setConfirming(true);
        }}
      >
        Disable
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Disable ${connection.appName}?`}
        confirmLabel="Confirm and Continue"
        busy={disable.isPending}
        error={disable.isError ? messageFrom(disable.error) : undefined}
        onCancel={() => setConfirming(false)}
        onConfirm={() => disable.mutate({ connectionId: connection.id })}
      >
        <p>
          The app loses access to this tenant's {ENVIRONMENT_LABEL[connection.environment]} data at once: its
          tokens stop working and it cannot get new ones. You can restore it later with the same credentials.
        </p>
      </ConfirmDialog>
    </>
  );
}

const SECRET_STATE: Record<
  ConnectionDetail['secrets'][number]['state'],
  { label: string; tone: 'good' | 'warn' | 'bad' | 'neutral' }
> = {
  active: { label: 'Active', tone: 'good' },
  expiring: { label: 'Expiring', tone: 'warn' },
  expired: { label: 'Expired', tone: 'neutral' },
  revoked: { label: 'Revoked', tone: 'bad' },
};

function Secrets({ connection }: { connection: ConnectionDetail }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
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
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Client secrets</caption>
          <thead>
            <tr>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
              <th scope="col">Created by</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
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
                  {s.state === 'active' || s.state === 'expiring' ? (
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
          </tbody>
        </table>
      </div>
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
        <Button type="submit" busy={rotate.isPending} style={{ marginTop: '1.75rem' }}>
          Rotate secret
        </Button>
      </form>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this client secret?"
        confirmLabel="Revoke secret"
        busy={revoke.isPending}
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
