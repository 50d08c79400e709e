import { ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  CursorPagedResult,
  EmptyState,
  ExternalLink,
  useCursorPages,
  useListSearch,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTenant } from './tenant-scope';

const PAGE_SIZE = 50;

/**
 * Connect New App: the apps offered to this tenant that it has not connected in this
 * environment, by name, 50 a page; a new search (sent once the typing pauses),
 * tenant or environment starts again from the first page. The page and the search
 * are in the address, so Back from an app finds them again.
 */
export function ConnectNewApp() {
  const { tenantId, environment, base } = useTenant();
  const trpc = useTRPC();
  const search = useListSearch();
  const { searched } = search;
  const pages = useCursorPages();
  const apps = useQuery({
    ...trpc.connections.available.queryOptions({
      tenantId,
      environment,
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
      ...(searched ? { search: searched } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <p>
        <Link to={base}>← API Application Access</Link>
      </p>
      <div className="page-head">
        <h1>Connect New App</h1>
        <div className="actions">
          <label className="sr-only" htmlFor="connect-search">
            Search apps to connect
          </label>
          <input
            id="connect-search"
            className="search"
            type="search"
            placeholder="Search by app name"
            maxLength={100}
            value={search.text}
            onChange={(e) => search.setText(e.target.value)}
          />
        </div>
      </div>
      <p className="muted">
        Apps whose developers offered them to tenant {tenantId}, not yet connected in{' '}
        {ENVIRONMENT_LABEL[environment]}.
      </p>
      <CursorPagedResult
        query={apps}
        pages={pages}
        loading="Loading apps…"
        empty={
          searched ? (
            <EmptyState title="No apps match your search">
              <p className="muted">Check the app's name, or clear the search to see every app offered.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No apps to connect">
              <p className="muted">
                When a developer lists Tenant ID {tenantId} on their app, it appears here.
              </p>
            </EmptyState>
          )
        }
      >
        {({ items }) => (
          <ul className="card-list" aria-label="Apps offered to this tenant">
            {items.map((app) => (
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
            ))}
          </ul>
        )}
      </CursorPagedResult>
    </>
  );
}
