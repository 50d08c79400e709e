import { ENVIRONMENT_LABEL } from '@gatehouse/domain';
import { Banner, LatencyTable, RequestLog, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useOutletContext } from 'react-router';
// Types only: importing the console's own modules from here would split them into a chunk of their own,
// evaluated before main.tsx turns zod's compiled validators off, which the Content-Security-Policy refuses.
import type { ConnectionContext } from '../access/connection-page';

/** Days of latency the tab shows: the request log's default keeping time. */
const LATENCY_DAYS = 30;

/**
 * The Requests tab: the token requests and API calls this connection's app
 * made, only to this tenant in this environment (the server keeps to that,
 * whatever is asked), newest first, then how fast each endpoint answered per
 * day. Loaded when the tab opens, so the console's first screen stays small.
 */
export function ConnectionRequests() {
  const { connection, tenantName, tenantId } = useOutletContext<ConnectionContext>();
  const trpc = useTRPC();
  const latencyTitle = useId();
  const latency = useQuery(
    trpc.requests.connectionLatency.queryOptions({ connectionId: connection.id, days: LATENCY_DAYS }),
  );
  // The endpoints the app called lately, offered as suggestions in the log's Endpoint filter.
  const endpoints = [...new Set(latency.data?.rows.map((row) => row.endpoint))].sort();
  const where = `${tenantName || tenantId}'s ${ENVIRONMENT_LABEL[connection.environment]} data`;
  return (
    <>
      {connection.status === 'declined' ? (
        <Banner kind="info">You declined this app, so it cannot call the API for this tenant.</Banner>
      ) : null}
      <p className="muted">
        Each token request and API call {connection.appName} made to {where}, newest first: its status, the
        error code of a refusal, how long it took, and its request ID. The app received the same ID with the
        answer, so its developer can find the call you mean.
      </p>
      <RequestLog
        query={(input) => trpc.requests.connectionLog.queryOptions({ connectionId: connection.id, ...input })}
        hideTenant
        hideEnvironment
        endpoints={endpoints}
      />
      <section aria-labelledby={latencyTitle} style={{ marginTop: '1.5rem' }}>
        <h2 id={latencyTitle}>Latency per endpoint, last {LATENCY_DAYS} days</h2>
        <LatencyTable query={latency} />
      </section>
    </>
  );
}
