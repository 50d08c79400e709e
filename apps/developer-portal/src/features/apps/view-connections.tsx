import {
  CONNECTION_STATE_LABEL,
  type ConnectionState,
  CREDENTIALS_MODE_LABEL,
  ENVIRONMENT_LABEL,
} from '@gatehouse/domain';
import {
  Badge,
  Banner,
  Button,
  CredentialsOnce,
  EmptyState,
  Loading,
  messageFrom,
  ScopeList,
  useTRPC,
} from '@gatehouse/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { AppDetail } from './app-page';

const TONE: Record<ConnectionState, 'neutral' | 'good' | 'warn' | 'bad'> = {
  not_connected: 'neutral',
  connected: 'good',
  declined: 'bad',
  disabled: 'warn',
};

/** View Connections: each listed tenant per environment, the version it is on and the scopes in play. */
export function ViewConnections({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rows = useQuery(trpc.apps.connections.queryOptions({ appId: app.id }));
  const [generatedFor, setGeneratedFor] = useState<string | null>(null);
  const generate = useMutation(
    trpc.apps.generateSecret.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.apps.connections.queryKey({ appId: app.id }) }),
    }),
  );
  if (rows.isPending) return <Loading label="Loading connections…" />;
  if (rows.isError) return <Banner kind="error">{messageFrom(rows.error)}</Banner>;
  if (rows.data.length === 0) {
    return (
      <EmptyState title="No tenants yet">
        <p className="muted">Add a Tenant ID on the Details tab to offer this app to a tenant.</p>
      </EmptyState>
    );
  }
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
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Connections per tenant and environment</caption>
          <thead>
            <tr>
              <th scope="col">Tenant ID</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Scopes in play</th>
              <th scope="col">Client credentials</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map((row) => {
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
                    <Badge tone={TONE[row.state]}>{CONNECTION_STATE_LABEL[row.state]}</Badge>
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
          </tbody>
        </table>
      </div>
    </>
  );
}
