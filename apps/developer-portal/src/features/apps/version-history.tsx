import { useQuery } from '@tanstack/react-query';
import { Banner, Loading, formatDateTime, messageFrom, useTRPC, ScopeList, ScopeName } from '@gatehouse/ui';

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
            <h2 id={`version-${version.number}`} style={{ margin: 0 }}>Version {version.number}</h2>
            <span className="muted">Created on {formatDateTime(version.createdAt)} by {version.createdBy.name} ({version.createdBy.email})</span>
          </div>
          {version.number === 1 ? (
            <p className="muted">First scope selection.</p>
          ) : (
            <div className="grid-2">
              <div>
                <h3>Added</h3>
                {version.added.length ? <ul className="scope-list">{version.added.map((s) => <li key={s} className="scope-added">+ <ScopeName scope={s} /></li>)}</ul> : <p className="muted">Nothing added.</p>}
              </div>
              <div>
                <h3>Removed</h3>
                {version.removed.length ? <ul className="scope-list">{version.removed.map((s) => <li key={s} className="scope-removed">− <ScopeName scope={s} /></li>)}</ul> : <p className="muted">Nothing removed.</p>}
              </div>
            </div>
          )}
          <details>
            <summary>All {version.scopes.length} scopes of version {version.number}</summary>
            <ScopeList scopes={version.scopes} />
          </details>
        </li>
      ))}
    </ol>
  );
}
