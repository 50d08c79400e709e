import { SCOPE_USE_DAYS } from '@gatehouse/domain';
import { formatDate, formatDateTime, QueryResult, ScopeName, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { AppDetail } from './app-page';

/** The scope editor's parameter that has it untick the scopes no call used: `?suggest=unused`. */
export const SUGGEST = { name: 'suggest', unused: 'unused' } as const;

/**
 * The least-privilege advisor: which scopes of the latest version a call
 * needed in the last 30 days, and which none did, with Suggest removal,
 * which opens the scope editor with the unused ones unticked. Nothing is
 * removed until the developer saves there, which makes a new version.
 */
export function ScopeAdvisor({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.requests.appScopeUse.queryOptions({ appId: app.id }));
  return (
    <section className="card" aria-labelledby="scope-advisor-title" data-testid="scope-advisor">
      <h2 id="scope-advisor-title">Scopes in use</h2>
      <QueryResult query={query} loading="Looking at the last 30 days of calls…">
        {(use) => (
          <>
            <p className="muted">
              Of version {use.version ?? app.latestVersion}'s scopes, which the app's calls needed since{' '}
              {formatDate(use.since)} (the last {SCOPE_USE_DAYS} days). Asking only for what the app uses
              makes tenants more willing to allow it.
            </p>
            <div className="grid-2">
              <div>
                <h3>Scopes used in the last {SCOPE_USE_DAYS} days</h3>
                {use.used.length === 0 ? (
                  <p className="muted">None: no call needed any of them.</p>
                ) : (
                  <ul className="scope-list" aria-label="Scopes used">
                    {use.used.map(({ scope, lastUsedAt }) => (
                      <li key={scope}>
                        <ScopeName scope={scope} />
                        <div className="hint">Last used {formatDateTime(lastUsedAt)}</div>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              <div>
                <h3>Never used in {SCOPE_USE_DAYS} days</h3>
                {use.unused.length === 0 ? (
                  <p className="muted" data-testid="nothing-to-suggest">
                    Every scope was used: nothing to suggest removing.
                  </p>
                ) : use.used.length === 0 ? (
                  // An app that made no call tells nothing about what it needs: removing every scope is no advice.
                  <p className="muted" data-testid="no-calls-yet">
                    No call in the last {SCOPE_USE_DAYS} days, so nothing to judge by yet: suggestions come
                    once the app calls the API.
                  </p>
                ) : (
                  <>
                    <ul className="scope-list" aria-label="Scopes never used">
                      {use.unused.map((scope) => (
                        <li key={scope}>
                          <ScopeName scope={scope} />
                        </li>
                      ))}
                    </ul>
                    <p style={{ marginBottom: 0 }}>
                      <Link
                        className="btn btn-primary"
                        to={`/apps/${app.id}/edit?${SUGGEST.name}=${SUGGEST.unused}`}
                      >
                        Suggest removal
                      </Link>
                    </p>
                    <p className="hint">
                      Opens the scope editor with {use.unused.length === 1 ? 'this scope' : 'these scopes'}{' '}
                      unticked. Review, then Save to make version {app.latestVersion + 1}.
                    </p>
                  </>
                )}
              </div>
            </div>
          </>
        )}
      </QueryResult>
    </section>
  );
}
