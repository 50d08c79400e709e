import { ENVIRONMENT_LABEL } from '@gatehouse/domain';
import { Badge, CardList, EmptyState, ExternalLink, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTenant } from './tenant-scope';

/** Connect New App: the apps offered to this tenant that it has not connected in this environment. */
export function ConnectNewApp() {
  const { tenantId, environment, base } = useTenant();
  const trpc = useTRPC();
  const apps = useQuery(trpc.connections.available.queryOptions({ tenantId, environment }));
  return (
    <>
      <p>
        <Link to={base}>← API Application Access</Link>
      </p>
      <h1>Connect New App</h1>
      <p className="muted">
        Apps whose developers offered them to tenant {tenantId}, not yet connected in{' '}
        {ENVIRONMENT_LABEL[environment]}.
      </p>
      <CardList
        query={apps}
        loading="Loading apps…"
        empty={
          <EmptyState title="No apps to connect">
            <p className="muted">
              When a developer lists Tenant ID {tenantId} on their app, it appears here.
            </p>
          </EmptyState>
        }
        label="Apps offered to this tenant"
      >
        {(app) => (
          <li key={app.appId} className="card">
            <div className="page-head" style={{ marginBottom: 0 }}>
              <div>
                <h2 style={{ marginBottom: '0.25rem' }}>{app.name}</h2>
                <div className="muted">
                  {app.organizationName} · <ExternalLink href={app.homePageUrl} />
                </div>
              </div>
              <div className="actions">
                {app.declined ? <Badge tone="bad">Declined</Badge> : null}
                <Link
                  className="btn btn-primary"
                  to={`${base}/connect/${app.appId}`}
                  aria-label={`Connect ${app.name}`}
                >
                  Connect
                </Link>
              </div>
            </div>
          </li>
        )}
      </CardList>
    </>
  );
}
