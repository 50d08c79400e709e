import { ENVIRONMENT_LABEL, SCOPE_USE_DAYS } from '@gatehouse/domain';
import { DataTable, formatDate, formatDateTime, QueryResult, ScopeName, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import type { ConnectionDetail } from './connection-detail';

/**
 * The least-privilege advisor as a tenant admin sees it: which scopes of the
 * version they accepted no call of this app on this tenant and environment
 * needed lately. The admin cannot drop a scope themselves (scopes are the
 * app's versions), so the section says whom to ask and what happens then.
 */
export function UnusedScopes({ connection }: { connection: ConnectionDetail }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.requests.connectionScopeUse.queryOptions({ connectionId: connection.id }));
  const data = `this tenant's ${ENVIRONMENT_LABEL[connection.environment]} data`;
  return (
    <section className="card" aria-labelledby="unused-scopes-title" data-testid="unused-scopes">
      <h2 id="unused-scopes-title">Scopes this app has not used in {SCOPE_USE_DAYS} days</h2>
      <QueryResult query={query} loading="Finding the scopes the app used…">
        {(use) => (
          <>
            {use.unused.length === 0 ? (
              <p>
                Every scope in play was needed by at least one of the app's calls to {data} since{' '}
                {formatDate(use.since)}. Nothing to remove.
              </p>
            ) : (
              <>
                <p>
                  {use.used.length === 0
                    ? `The app has made no API calls to ${data} since ${formatDate(use.since)}, so it has used none of its scopes.`
                    : `None of the app's calls to ${data} since ${formatDate(use.since)} needed these scopes.`}
                </p>
                <ul className="scope-list" aria-label="Scopes not used">
                  {use.unused.map((scope) => (
                    <li key={scope}>
                      <ScopeName scope={scope} />
                    </li>
                  ))}
                </ul>
                <p className="muted">
                  The app keeps access to this data while it has these scopes, used or not. You could ask its
                  developer ({connection.organizationName}) to remove them: their next version would then ask
                  for less, and you would accept it here as an upgrade.
                </p>
              </>
            )}
            {use.used.length > 0 ? (
              <details>
                <summary>Scopes the app used ({use.used.length})</summary>
                <DataTable caption="Scopes the app used" columns={['Scope', 'Last needed']}>
                  {use.used.map((u) => (
                    <tr key={u.scope}>
                      <td>
                        <ScopeName scope={u.scope} />
                      </td>
                      <td>{formatDateTime(u.lastUsedAt)}</td>
                    </tr>
                  ))}
                </DataTable>
              </details>
            ) : null}
          </>
        )}
      </QueryResult>
    </section>
  );
}
