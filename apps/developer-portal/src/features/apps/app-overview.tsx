import { CREDENTIALS_MODE_LABEL } from '@gatehouse/domain';
import {
  Banner,
  ConfirmDialog,
  CopyableValue,
  ExternalLink,
  fieldErrorsFrom,
  formatDateTime,
  MaskedValue,
  messageFrom,
  ScopeList,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { type AppDetail, useApp } from './app-page';
import { KindLabel, ReviewBadge } from './labels';
import { TenantIdsEditor } from './tenant-ids';

export function AppOverview() {
  const app = useApp();
  const [params] = useSearchParams();
  return (
    <>
      {params.get('created') ? (
        <Banner kind="success">
          <strong>{app.name} is registered.</strong> Embed this app key in your app and send it as{' '}
          <code>ST-App-Key</code> with every API call. It works in both environments.
          <div className="masked" style={{ marginTop: '0.5rem' }}>
            <CopyableValue value={app.appKey} testId="new-app-key" copyLabel="Copy app key" />
          </div>
        </Banner>
      ) : null}
      <div className="card">
        <h2>App key</h2>
        <MaskedValue value={app.appKey} label="App key" />
        <p className="hint">
          The same key serves the integration and production environments. It never changes when you change
          scopes.
        </p>
      </div>
      <div className="card">
        <h2>Details</h2>
        <dl className="dl">
          <dt>Organization</dt>
          <dd>
            {app.organizationName} <span className="muted">(your verified organization)</span>
          </dd>
          <dt>Home page URL</dt>
          <dd>
            <ExternalLink href={app.homePageUrl} />
          </dd>
          <dt>Kind</dt>
          <dd>
            <KindLabel kind={app.kind} />
          </dd>
          <dt>Review status</dt>
          <dd>
            <ReviewBadge status={app.reviewStatus} />
            {app.reviewReason ? <> — {app.reviewReason}</> : null}
          </dd>
          <dt>Client credentials</dt>
          <dd>{CREDENTIALS_MODE_LABEL[app.credentialsMode]}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(app.createdAt)}</dd>
        </dl>
      </div>
      <TenantIdsCard app={app} />
      <div className="card">
        <h2>
          Current scopes <span className="muted">(version {app.latestVersion})</span>
        </h2>
        <ScopeList scopes={app.scopes} />
      </div>
    </>
  );
}

function TenantIdsCard({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const [removing, setRemoving] = useState<string | null>(null);
  const refresh = useReload(trpc.apps.get.queryKey({ appId: app.id }), trpc.apps.list.pathKey());
  const add = useMutation(trpc.apps.addTenant.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.apps.removeTenant.mutationOptions({
      onSuccess: async () => {
        setRemoving(null);
        await refresh();
      },
    }),
  );
  const error = add.isError ? (fieldErrorsFrom(add.error).tenantId ?? messageFrom(add.error)) : undefined;
  return (
    <div className="card">
      <h2>Tenant IDs</h2>
      <p className="muted">
        Tenants this app is offered to. Adding or deleting a Tenant ID makes no new version.
      </p>
      <TenantIdsEditor
        tenantIds={app.tenantIds}
        busy={add.isPending || remove.isPending}
        error={error}
        onAdd={(tenantId) => add.mutateAsync({ appId: app.id, tenantId }).catch(() => undefined)}
        onRemove={(tenantId) => {
          remove.reset();
          setRemoving(tenantId);
        }}
      />
      <ConfirmDialog
        open={removing !== null}
        title={`Delete Tenant ID ${removing ?? ''}?`}
        confirmLabel="Delete Tenant ID"
        busy={remove.isPending}
        error={
          remove.isError ? (fieldErrorsFrom(remove.error).tenantId ?? messageFrom(remove.error)) : undefined
        }
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ appId: app.id, tenantId: removing })}
      >
        <p>
          The app will no longer be offered to tenant {removing}. If that tenant already connected, its
          connection keeps working until its admin disables it; both of you see it flagged.
        </p>
      </ConfirmDialog>
    </div>
  );
}
