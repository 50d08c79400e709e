import { Banner, Button, EmptyState, Loading, messageFrom, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import './gateway.css';
import { RouteRulesTable } from './route-rules-table';
import { clockTime } from './times';
import { CircuitLegend, UpstreamsTable } from './upstreams-table';

const REFRESH_MS = 5000;

function useGateway() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.gateway.upstreams.queryOptions(), refetchInterval: REFRESH_MS });
}

/**
 * The gateway's upstreams and their health, read-only, for platform reviewers. Circuits and counts live in
 * each server instance, so the page shows the instance that answered; it asks again every 5 seconds.
 */
export function GatewayPage() {
  const gateway = useGateway();
  // Said to screen readers after a Refresh the reviewer asked for, not on every automatic one.
  const [announced, setAnnounced] = useState('');
  const refresh = async () => {
    setAnnounced('');
    const result = await gateway.refetch();
    setAnnounced(result.isError ? 'Refresh failed.' : 'Figures refreshed.');
  };
  const updatedAt = gateway.dataUpdatedAt > 0 ? new Date(gateway.dataUpdatedAt) : null;
  return (
    <>
      <div className="page-head">
        <h1>Gateway</h1>
        {gateway.data && gateway.data.upstreams.length > 0 ? (
          <div className="actions">
            {updatedAt ? <span className="muted">Updated {clockTime(updatedAt)}</span> : null}
            <Button onClick={refresh}>Refresh</Button>
            <span className="sr-only" role="status">
              {announced}
            </span>
          </div>
        ) : null}
      </div>
      <GatewayBody query={gateway} now={gateway.dataUpdatedAt || Date.now()} />
    </>
  );
}

function GatewayBody({ query, now }: { query: ReturnType<typeof useGateway>; now: number }) {
  if (query.isPending) return <Loading label="Loading the gateway's upstreams…" />;
  if (!query.data) return <Banner kind="error">{messageFrom(query.error)}</Banner>;
  const { upstreams, routes } = query.data;
  if (upstreams.length === 0)
    return (
      <EmptyState title="Gateway mode is off">
        <p>
          Every API area answers from Gatehouse's built-in demo resources. To guard the platform's own
          services, map API areas to their base URLs in the environment variable{' '}
          <code>GATEHOUSE_UPSTREAMS</code>, for example <code>{'{"crm":"http://10.0.0.5:8080"}'}</code>, or in
          the file <code>GATEHOUSE_GATEWAY_CONFIG</code> names, then restart the server.
        </p>
      </EmptyState>
    );
  return (
    <>
      {query.isError ? (
        <Banner kind="warning">
          The figures could not be refreshed ({messageFrom(query.error)}); these are from{' '}
          {clockTime(new Date(query.dataUpdatedAt))}.
        </Banner>
      ) : null}
      <p className="muted">
        These figures are this server instance's, since it started: each instance keeps its own circuits and
        counts. They refresh every 5 seconds.
      </p>
      <h2>Upstreams</h2>
      <UpstreamsTable upstreams={upstreams} now={now} />
      <CircuitLegend />
      <h2>Route rules</h2>
      {routes.length === 0 ? (
        <p className="muted">
          None configured: a call to a catalog resource of a mapped area needs the resource's View scope for
          GET and HEAD and its Modify scope otherwise; any other path is refused.
        </p>
      ) : (
        <>
          <p className="muted">
            Tried in order before the catalog's default; the first that matches decides.
          </p>
          <RouteRulesTable routes={routes} />
        </>
      )}
    </>
  );
}
