import { CREDENTIALS_MODE_LABEL, ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  ConnectionBadge,
  CredentialsOnce,
  CursorPagedResult,
  DataTable,
  EmptyState,
  messageFrom,
  ScopeList,
  useCursorPages,
  useListSearch,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApp } from './app-page';

/** Tenants a page, each shown in both environments. */
const PAGE_SIZE = 25;

/**
 * View Connections: each tenant the app lists (or that still holds a
 * connection) per environment, the version it is on and the scopes in play,
 * by Tenant ID, 25 tenants a page; the search finds Tenant IDs by their start
 * once the typing pauses. The page and the search are in the address.
 */
export function ViewConnections() {
  const app = useApp();
  const trpc = useTRPC();
  const search = useListSearch();
  const { searched } = search;
  const pages = useCursorPages();
  const query = useQuery({
    ...trpc.apps.connections.queryOptions({
      appId: app.id,
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
      ...(searched ? { search: searched } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const [generatedFor, setGeneratedFor] = useState<string | null>(null);
  const reload = useReload(trpc.apps.connections.queryKey({ appId: app.id }));
  const generate = useMutation(trpc.apps.generateSecret.mutationOptions({ onSuccess: reload }));
  return (
    <>
      <p className="muted">
        {app.credentialsMode === 'developer'
          ? 'You generate the client secret for each tenant that connects from now on.'
          : "The tenant's admin issues the client credentials of each tenant that connects from now on."}{' '}
        A connection keeps who issues its credentials from when it was allowed. Scopes in play are those of
        the version the tenant accepted.
      </p>
      {generate.isError ? <Banner kind="error">{messageFrom(generate.error)}</Banner> : null}
      {generate.data && generatedFor ? (
        <CredentialsOnce
          clientId={generate.data.clientId}
          clientSecret={generate.data.clientSecret}
          onDone={() => {
            generate.reset();
            setGeneratedFor(null);
          }}
        />
      ) : null}
      <div className="actions" style={{ marginBottom: '1rem' }}>
        <label className="sr-only" htmlFor="connection-search">
          Search by Tenant ID
        </label>
        <input
          id="connection-search"
          className="search"
          type="search"
          inputMode="numeric"
          placeholder="Search by Tenant ID"
          value={search.text}
          // Tenant IDs are digits: anything else could never match.
          onChange={(e) => search.setText(e.target.value.replace(/\D/g, '').slice(0, 18))}
        />
      </div>
      <CursorPagedResult
        query={query}
        pages={pages}
        loading="Loading connections…"
        empty={
          searched ? (
            <EmptyState title="No Tenant ID starts with that number">
              <p className="muted">Check the number, or clear the search to see every tenant.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No tenants yet">
              <p className="muted">Add a Tenant ID on the Details tab to offer this app to a tenant.</p>
            </EmptyState>
          )
        }
      >
        {({ items: rows }) => (
          <DataTable
            caption="Connections per tenant and environment"
            columns={[
              'Tenant ID',
              'Environment',
              'Status',
              'Version',
              'Scopes in play',
              'Client credentials',
            ]}
            actions
          >
            {rows.map((row) => {
              const key = `${row.tenantId}:${row.environment}`;
              return (
                <tr key={key} data-testid={`connection-${key}`}>
                  <td>
                    {row.tenantId}
                    {row.tenantName ? <div className="muted">{row.tenantName}</div> : null}
                    {!row.offered ? (
                      <div>
                        <Badge tone="warn">Tenant ID removed</Badge>
                      </div>
                    ) : null}
                  </td>
                  <td>{ENVIRONMENT_LABEL[row.environment]}</td>
                  <td>
                    <ConnectionBadge state={row.state} />
                  </td>
                  <td>{row.version ? `Version ${row.version}` : '—'}</td>
                  <td>
                    {row.scopesInPlay.length ? (
                      <details>
                        <summary>{row.scopesInPlay.length} scopes</summary>
                        <ScopeList scopes={row.scopesInPlay} />
                      </details>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{row.credentialsIssuer ? CREDENTIALS_MODE_LABEL[row.credentialsIssuer] : '—'}</td>
                  <td>
                    {row.canGenerateSecret ? (
                      <Button
                        busy={generate.isPending && generatedFor === key}
                        busyLabel="Generating…"
                        onClick={() => {
                          setGeneratedFor(key);
                          generate.mutate({
                            appId: app.id,
                            tenantId: row.tenantId,
                            environment: row.environment,
                          });
                        }}
                        aria-label={`Generate client secret for ${row.tenantId} ${ENVIRONMENT_LABEL[row.environment]}`}
                      >
                        Generate
                      </Button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </CursorPagedResult>
    </>
  );
}
