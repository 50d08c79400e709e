import {
  Banner,
  formatDateTime,
  Loading,
  messageFrom,
  ScopeChanges,
  ScopeList,
  useTRPC,
} from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';

export function VersionHistory({ appId }: { appId: string }) {
  const trpc = useTRPC();
  const versions = useQuery(trpc.apps.versions.queryOptions({ appId }));
  if (versions.isPending) return <Loading label="Loading version history…" />;
  if (versions.isError) return <Banner kind="error">{messageFrom(versions.error)}</Banner>;
  return (
    <ol className="versions" style={{ listStyle: 'none', padding: 0 }} aria-label="Version history">
      {versions.data.map((version) => (
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
  );
}
