import { CREDENTIALS_MODE_LABEL, canConnectionDo, ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  ConfirmDialog,
  ConnectionBadge,
  EmptyState,
  formatDateTime,
  messageFrom,
  QueryResult,
  ScopeList,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, NavLink, Outlet, useOutletContext, useParams } from 'react-router';
import type { ConnectionDetail } from './connection-detail';
import { Secrets } from './connection-secrets';
import { UpgradeLater, UpgradePanel } from './connection-upgrade';
import { type TenantContext, useRefreshConnections, useTenant } from './tenant-scope';
import { UnusedScopes } from './unused-scopes';

export interface ConnectionContext extends TenantContext {
  connection: ConnectionDetail;
}

/** The connection whose page this is, for the tabs drawn inside `ConnectionPage`. */
export function useConnection(): ConnectionDetail {
  return useOutletContext<ConnectionContext>().connection;
}

/** Loads the connection, draws its header and tabs, and hands it (with the tenant) to the active tab. */
export function ConnectionPage() {
  const { base } = useTenant();
  const { connectionId = '' } = useParams();
  const trpc = useTRPC();
  // The admin opens a connection to act on it, so it is read afresh: a new version may have come since.
  const connection = useQuery(
    trpc.connections.get.queryOptions({ connectionId }, { refetchOnMount: 'always' }),
  );
  return (
    <QueryResult
      query={connection}
      loading="Loading connection…"
      notFound={
        <EmptyState title="Connection not found">
          <Link to={base}>Back to API Application Access</Link>
        </EmptyState>
      }
    >
      {(c) => <ConnectionLayout connection={c} />}
    </QueryResult>
  );
}

function ConnectionLayout({ connection: c }: { connection: ConnectionDetail }) {
  const tenant = useTenant();
  const { base } = tenant;
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
        <nav className="tabs" aria-label="Connection">
          <NavLink to={`${base}/connections/${c.id}`} end>
            Access
          </NavLink>
          <NavLink to={`${base}/connections/${c.id}/requests`}>Requests</NavLink>
        </nav>
      ) : null}
      <Outlet context={{ ...tenant, connection: c } satisfies ConnectionContext} />
    </>
  );
}

/** The Access tab: when the app last worked, its pending upgrade, its scopes and their use, its secrets. */
export function ConnectionAccess() {
  const { base } = useTenant();
  const c = useConnection();
  if (c.status === 'declined')
    return (
      <Banner kind="info">
        You declined this app. <Link to={`${base}/connect/${c.appId}`}>Review it again</Link> to allow it.
      </Banner>
    );
  return (
    <>
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
      {c.upgrade && c.newVersionAvailable ? <UpgradePanel connection={c} upgrade={c.upgrade} /> : null}
      {c.upgrade && !c.newVersionAvailable ? (
        <p className="muted">
          You declined version {c.upgrade.toVersion}. <UpgradeLater connection={c} upgrade={c.upgrade} />
        </p>
      ) : null}
      <div className="card">
        <h2>
          Scopes in play <span className="muted">(version {c.acceptedVersion})</span>
        </h2>
        <ScopeList scopes={c.scopesInPlay} />
      </div>
      <UnusedScopes connection={c} />
      <Secrets connection={c} />
    </>
  );
}

function DisableRestore({ connection }: { connection: ConnectionDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshConnections();
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
  if (canConnectionDo(connection.status, 'restore')) {
    return (
      <div>
        <Button
          variant="primary"
          busy={restore.isPending}
          busyLabel="Restoring…"
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
        busyLabel="Disabling…"
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
