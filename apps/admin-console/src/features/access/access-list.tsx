import { ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  ConnectionBadge,
  CursorPagedResult,
  DataTable,
  EmptyState,
  formatDateTime,
  useCursorPages,
  useListSearch,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTenant } from './tenant-scope';

const PAGE_SIZE = 50;

/**
 * API Application Access: connected, disabled and declined apps of this tenant and
 * environment, last changed first, 50 a page; a new search (sent once the typing
 * pauses), tenant or environment starts again from the first page. The page and
 * the search are in the address, so Back from a connection finds them again.
 */
export function AccessList() {
  const { tenantId, tenantName, environment, base } = useTenant();
  const trpc = useTRPC();
  const search = useListSearch();
  const { searched } = search;
  const pages = useCursorPages();
  const list = useQuery({
    ...trpc.connections.list.queryOptions({
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
      <div className="page-head">
        <div>
          <h1>API Application Access</h1>
          <p className="muted" style={{ margin: 0 }}>
            {tenantName} · {ENVIRONMENT_LABEL[environment]}
          </p>
        </div>
        <div className="actions">
          <label className="sr-only" htmlFor="access-search">
            Search apps
          </label>
          <input
            id="access-search"
            className="search"
            type="search"
            placeholder="Search by app name"
            maxLength={100}
            value={search.text}
            onChange={(e) => search.setText(e.target.value)}
          />
          <Link className="btn btn-primary" to={`${base}/connect`}>
            Connect New App
          </Link>
        </div>
      </div>
      <CursorPagedResult
        query={list}
        pages={pages}
        loading="Loading apps…"
        empty={
          searched ? (
            <EmptyState title="No apps match your search">
              <p className="muted">Check the app's name, or clear the search to see every app.</p>
            </EmptyState>
          ) : (
            <EmptyState title={`No apps in ${ENVIRONMENT_LABEL[environment]} yet`}>
              <p className="muted">Connect an app to give it access to this tenant's data.</p>
              <Link className="btn btn-primary" to={`${base}/connect`}>
                Connect New App
              </Link>
            </EmptyState>
          )
        }
      >
        {({ items: connections }) => (
          <DataTable
            caption="Apps with access decisions for this tenant"
            columns={['App', 'Status', 'Version', 'Client ID', 'Last API call', 'Last change']}
          >
            {connections.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`${base}/connections/${c.id}`}>{c.appName}</Link>
                  <div className="muted">{c.organizationName}</div>
                </td>
                <td>
                  <div className="actions">
                    <ConnectionBadge state={c.status} />
                    {c.newVersionAvailable ? <Badge tone="info">New Version Available</Badge> : null}
                    {c.appDeleted ? (
                      <Badge tone="bad">App deleted</Badge>
                    ) : !c.offered ? (
                      <Badge tone="warn">No longer offered</Badge>
                    ) : null}
                  </div>
                </td>
                <td>{c.acceptedVersion ? `Version ${c.acceptedVersion}` : '—'}</td>
                <td>{c.clientId ? <code>{c.clientId}</code> : '—'}</td>
                <td>{c.lastCallAt ? formatDateTime(c.lastCallAt) : 'Never'}</td>
                <td>{formatDateTime(c.updatedAt)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </CursorPagedResult>
    </>
  );
}
