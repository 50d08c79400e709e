import { CREDENTIALS_MODE_LABEL } from '@gatehouse/domain';
import {
  Banner,
  ConfirmDialog,
  CopyableValue,
  CursorPagedResult,
  ExternalLink,
  fieldErrorsFrom,
  formatDateTime,
  MaskedValue,
  messageFrom,
  ScopeList,
  useCursorPages,
  useListSearch,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { type AppDetail, useApp } from './app-page';
import { KindLabel, ReviewBadge } from './labels';
import { ScopeAdvisor } from './scope-advisor';
import { TenantIdField, TenantIdTags } from './tenant-ids';

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
      <ScopeAdvisor app={app} />
    </>
  );
}

/** Tenant IDs a page. */
const TENANTS_PAGE = 50;

/**
 * The Tenant IDs the app is offered to, a page at a time in Tenant ID order,
 * with how many there are; a search by the start of a Tenant ID once they
 * fill more than a page (asked once the typing pauses). The page and the
 * search are in the address. Adding one the app already lists is refused by the
 * server, next to the field; deleting one asks first.
 */
function TenantIdsCard({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const search = useListSearch();
  const { searched } = search;
  const pages = useCursorPages();
  const query = useQuery({
    ...trpc.apps.tenants.queryOptions({
      appId: app.id,
      limit: TENANTS_PAGE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
      ...(searched ? { search: searched } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  // Deleting the last Tenant ID of a later page leaves it empty: show the page before.
  const emptiedPage = pages.pageNumber > 1 && query.data?.items.length === 0 && !query.isPlaceholderData;
  useEffect(() => {
    if (emptiedPage) pages.previous();
  }, [emptiedPage, pages]);
  const [removing, setRemoving] = useState<string | null>(null);
  const refresh = useReload(
    trpc.apps.get.queryKey({ appId: app.id }),
    trpc.apps.tenants.queryKey({ appId: app.id }),
    trpc.apps.connections.queryKey({ appId: app.id }),
    trpc.apps.list.pathKey(),
  );
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
  const busy = add.isPending || remove.isPending;
  return (
    <div className="card">
      <h2>Tenant IDs</h2>
      <p className="muted">
        Tenants this app is offered to. Adding or deleting a Tenant ID makes no new version.
      </p>
      <TenantIdField
        busy={busy}
        error={error}
        onAdd={(tenantId) =>
          add.mutateAsync({ appId: app.id, tenantId }).then(
            () => true,
            () => false,
          )
        }
      />
      {add.data?.listed ? (
        <p className="hint" role="status">
          Tenant ID {add.data.tenantId} added.
        </p>
      ) : null}
      {app.tenantCount > 0 ? (
        <p data-testid="tenant-count">
          Listed on {app.tenantCount.toLocaleString('en-US')} {app.tenantCount === 1 ? 'tenant' : 'tenants'}
        </p>
      ) : null}
      {app.tenantCount > TENANTS_PAGE || search.text || searched ? (
        <div className="actions">
          <label className="sr-only" htmlFor="tenant-id-search">
            Search Tenant IDs
          </label>
          <input
            id="tenant-id-search"
            className="search"
            type="search"
            inputMode="numeric"
            placeholder="Search Tenant IDs"
            value={search.text}
            // Tenant IDs are digits: anything else could never match.
            onChange={(e) => search.setText(e.target.value.replace(/\D/g, '').slice(0, 18))}
          />
        </div>
      ) : null}
      <CursorPagedResult
        query={query}
        pages={pages}
        loading="Loading Tenant IDs…"
        empty={
          <p className="muted">
            {searched
              ? 'No Tenant ID starts with that number. Check it, or clear the search.'
              : 'No Tenant IDs yet: no tenant can see this app until you add one.'}
          </p>
        }
      >
        {({ items }) => (
          <TenantIdTags
            tenantIds={items.map((item) => item.tenantId)}
            busy={busy || query.isPlaceholderData}
            onRemove={(tenantId) => {
              add.reset();
              remove.reset();
              setRemoving(tenantId);
            }}
          />
        )}
      </CursorPagedResult>
      <ConfirmDialog
        open={removing !== null}
        title={`Delete Tenant ID ${removing ?? ''}?`}
        confirmLabel="Delete Tenant ID"
        busy={remove.isPending}
        busyLabel="Deleting…"
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
