import { ENVIRONMENT_LABEL } from '@gatehouse/domain';
import {
  Badge,
  ConnectionBadge,
  DataTable,
  EmptyState,
  formatDateTime,
  QueryResult,
  useTRPC,
} from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTenant } from './tenant-scope';

/** API Application Access: connected, disabled and declined apps of this tenant and environment. */
export function AccessList() {
  const { tenantId, tenantName, environment, base } = useTenant();
  const trpc = useTRPC();
  const list = useQuery(trpc.connections.list.queryOptions({ tenantId, environment }));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>API Application Access</h1>
          <p className="muted" style={{ margin: 0 }}>
            {tenantName} · {ENVIRONMENT_LABEL[environment]}
          </p>
        </div>
        <Link className="btn btn-primary" to={`${base}/connect`}>
          Connect New App
        </Link>
      </div>
      <QueryResult
        query={list}
        loading="Loading apps…"
        empty={
          <EmptyState title={`No apps in ${ENVIRONMENT_LABEL[environment]} yet`}>
            <p className="muted">Connect an app to give it access to this tenant's data.</p>
            <Link className="btn btn-primary" to={`${base}/connect`}>
              Connect New App
            </Link>
          </EmptyState>
        }
      >
        {(connections) => (
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
      </QueryResult>
    </>
  );
}
