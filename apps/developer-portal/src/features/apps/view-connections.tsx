import { CREDENTIALS_MODE_LABEL, ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  ConnectionBadge,
  CredentialsOnce,
  DataTable,
  EmptyState,
  messageFrom,
  QueryResult,
  ScopeList,
  useReload,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApp } from './app-page';

/** View Connections: each listed tenant per environment, the version it is on and the scopes in play. */
export function ViewConnections() {
  const app = useApp();
  const trpc = useTRPC();
  const query = useQuery(trpc.apps.connections.queryOptions({ appId: app.id }));
  const [generatedFor, setGeneratedFor] = useState<string | null>(null);
  const reload = useReload(trpc.apps.connections.queryKey({ appId: app.id }));
  const generate = useMutation(trpc.apps.generateSecret.mutationOptions({ onSuccess: reload }));
  return (
    <QueryResult
      query={query}
      loading="Loading connections…"
      empty={
        <EmptyState title="No tenants yet">
          <p className="muted">Add a Tenant ID on the Details tab to offer this app to a tenant.</p>
        </EmptyState>
      }
    >
      {(rows) => (
        <>
          <p className="muted">
            {app.credentialsMode === 'developer'
              ? 'You generate the client secret for each tenant that connects from now on.'
              : "The tenant's admin issues the client credentials of each tenant that connects from now on."}{' '}
            A connection keeps who issues its credentials from when it was allowed. Scopes in play are those
            of the version the tenant accepted.
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
        </>
      )}
    </QueryResult>
  );
}
