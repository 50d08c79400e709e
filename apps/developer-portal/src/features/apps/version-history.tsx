import {
  CursorPagedResult,
  formatDateTime,
  ScopeChanges,
  ScopeList,
  useCursorPages,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useApp } from './app-page';

const PAGE_SIZE = 20;

/** Version history, newest first, 20 versions a page, each with its change against the version before. */
export function VersionHistory() {
  const { id: appId } = useApp();
  const trpc = useTRPC();
  const pages = useCursorPages(appId);
  const query = useQuery({
    ...trpc.apps.versions.queryOptions({
      appId,
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  return (
    <CursorPagedResult query={query} pages={pages} loading="Loading version history…">
      {({ items: versions }) => (
        <ol className="versions" style={{ listStyle: 'none', padding: 0 }} aria-label="Version history">
          {versions.map((version) => (
            <li key={version.number} className="card" aria-labelledby={`version-${version.number}`}>
              <div className="page-head" style={{ marginBottom: '0.5rem' }}>
                <h2 id={`version-${version.number}`} style={{ margin: 0 }}>
                  Version {version.number}
                </h2>
                <span className="muted">
                  Created on {formatDateTime(version.createdAt)} by {version.createdBy.name} (
                  {version.createdBy.email})
                </span>
              </div>
              {version.number === 1 ? (
                <p className="muted">First scope selection.</p>
              ) : (
                <ScopeChanges added={version.added} removed={version.removed} />
              )}
              <details>
                <summary>
                  All {version.scopes.length} scopes of version {version.number}
                </summary>
                <ScopeList scopes={version.scopes} />
              </details>
            </li>
          ))}
        </ol>
      )}
    </CursorPagedResult>
  );
}
