import {
  Banner,
  CursorPagedResult,
  DataTable,
  EmptyState,
  formatDate,
  useCursorPages,
  useListSearch,
  useTRPC,
  waitedFor,
} from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { KindLabel, ReviewBadge } from './labels';

const PAGE_SIZE = 20;

/**
 * My Apps: the organization's apps, newest first, 20 a page; the search is
 * sent once the typing pauses and starts again from the first page. The page
 * and the search are in the address, so Back from an app finds them again.
 */
export function MyApps() {
  const trpc = useTRPC();
  const location = useLocation();
  const search = useListSearch();
  const { searched } = search;
  const pages = useCursorPages();
  const apps = useQuery({
    ...trpc.apps.list.queryOptions({
      limit: PAGE_SIZE,
      ...(pages.cursor ? { cursor: pages.cursor } : {}),
      ...(searched ? { search: searched } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const deleted = (location.state as { deleted?: string } | null)?.deleted;

  return (
    <>
      <div className="page-head">
        <h1>My Apps</h1>
        <div className="actions">
          <label className="sr-only" htmlFor="app-search">
            Search apps
          </label>
          <input
            id="app-search"
            className="search"
            type="search"
            placeholder="Search by name"
            maxLength={100}
            value={search.text}
            onChange={(e) => search.setText(e.target.value)}
          />
          <Link className="btn btn-primary" to="/apps/new">
            New App
          </Link>
        </div>
      </div>
      {deleted ? <Banner kind="success">{deleted} was deleted. Its app key no longer works.</Banner> : null}
      <CursorPagedResult
        query={apps}
        pages={pages}
        loading="Loading your apps…"
        empty={
          searched ? (
            <EmptyState title="No apps match your search">
              <p className="muted">Check the app's name, or clear the search to see all your apps.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No apps yet">
              <p className="muted">Register an app to pick its API scopes and get its app key.</p>
              <Link className="btn btn-primary" to="/apps/new">
                New App
              </Link>
            </EmptyState>
          )
        }
      >
        {({ items }) => (
          <DataTable
            caption="Your organization's apps"
            columns={['Name', 'Kind', 'Status', 'Latest version', 'Tenant IDs', 'Created']}
          >
            {items.map((app) => (
              <tr key={app.id}>
                <td>
                  <Link to={`/apps/${app.id}`}>{app.name}</Link>
                </td>
                <td>
                  <KindLabel kind={app.kind} />
                </td>
                <td>
                  <ReviewBadge status={app.reviewStatus} />
                  {app.reviewStatus === 'pending' && app.submittedAt ? (
                    <div className="muted">waiting {waitedFor(app.submittedAt)}</div>
                  ) : null}
                </td>
                <td>Version {app.latestVersion}</td>
                <td>{app.tenantCount}</td>
                <td>{formatDate(app.createdAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </CursorPagedResult>
    </>
  );
}
