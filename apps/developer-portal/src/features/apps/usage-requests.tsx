import { ENVIRONMENT_LABEL, type Environment } from '@gatehouse/domain';
import { LatencyTable, RequestLog, useTRPC } from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';

/**
 * How fast the app's calls were answered, per endpoint per day over the
 * report's 30 days, in the environment and for the endpoint the report is
 * narrowed to. Latency is kept per endpoint and day, not per Tenant ID
 * prefix, so the report's Tenant ID search does not narrow it.
 */
export function UsageLatency({
  appId,
  environment,
  endpoint,
}: {
  appId: string;
  environment: Environment | undefined;
  endpoint: string | undefined;
}) {
  const trpc = useTRPC();
  const latency = useQuery({
    ...trpc.requests.appLatency.queryOptions(
      { appId, days: 30, ...(environment ? { environment } : {}) },
      { refetchInterval: 10_000 },
    ),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="card" aria-labelledby="usage-latency-title">
      <h2 id="usage-latency-title">Latency</h2>
      <p className="muted">
        Calls per endpoint per day with how fast they were answered, every tenant
        {endpoint ? ', for the endpoint chosen above' : ''}
        {environment ? `, ${ENVIRONMENT_LABEL[environment]} only` : ''}.
      </p>
      <LatencyTable query={latency} {...(endpoint ? { endpoint } : {})} />
    </section>
  );
}

/** The app's request log: every call and token request, newest first, with its own filters. */
export function UsageRequestLog({ appId, endpoints }: { appId: string; endpoints: readonly string[] }) {
  const trpc = useTRPC();
  return (
    <RequestLog
      query={(input) => trpc.requests.appLog.queryOptions({ appId, ...input })}
      endpoints={endpoints}
    />
  );
}
