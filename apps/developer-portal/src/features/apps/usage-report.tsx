import {
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  UNAUTHENTICATED_ENDPOINT,
  type UsageOutcome,
} from '@gatehouse/domain';
import { Banner, EmptyState, Loading, messageFrom, useTRPC } from '@gatehouse/ui';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AppDetail } from './app-page';

const OUTCOMES = [
  { key: '2xx', label: 'Success (2xx)', color: '#067647' },
  { key: '4xx', label: 'Client errors (4xx)', color: '#dc6803' },
  { key: '429', label: 'Throttled (429)', color: '#7a5af8' },
  { key: '5xx', label: 'Server errors (5xx)', color: '#b42318' },
] as const satisfies readonly { key: UsageOutcome; label: string; color: string }[];

type Outcome = UsageOutcome;

/** The server counts calls whose token proved no tenant under this endpoint, with no Tenant ID. */
const UNAUTHENTICATED = UNAUTHENTICATED_ENDPOINT;
const UNAUTHENTICATED_LABEL = 'Unauthenticated calls';

/** How a row's tenant and endpoint read in the report: the bucket of calls that proved no tenant says so. */
const tenantLabel = (tenantId: string) => tenantId || UNAUTHENTICATED_LABEL;
/** The tenant filter's value for that bucket: its Tenant ID is empty, which the filter uses for "all". */
const NO_TENANT = 'none';
const tenantOption = (tenantId: string) => tenantId || NO_TENANT;
const endpointLabel = (endpoint: string) =>
  endpoint === UNAUTHENTICATED ? 'Token missing, not valid, or for another app or tenant' : endpoint;

/** API Usage Report: calls per day over the last 30 days, by outcome, filterable by tenant, environment and endpoint. */
export function UsageReport({ app }: { app: AppDetail }) {
  const trpc = useTRPC();
  const usage = useQuery(
    trpc.apps.usage.queryOptions({ appId: app.id, days: 30 }, { refetchInterval: 10_000 }),
  );
  const [tenant, setTenant] = useState('');
  const [environment, setEnvironment] = useState('');
  const [endpoint, setEndpoint] = useState('');

  const view = useMemo(() => {
    const rows = (usage.data?.rows ?? []).filter(
      (r) =>
        (!tenant || tenantOption(r.tenantId) === tenant) &&
        (!environment || r.environment === environment) &&
        (!endpoint || r.endpoint === endpoint),
    );
    const days: { day: string; label: string; '2xx': number; '4xx': number; '429': number; '5xx': number }[] =
      [];
    if (usage.data) {
      for (let t = Date.parse(usage.data.from); t <= Date.parse(usage.data.to); t += 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10);
        days.push({ day, label: day.slice(5), '2xx': 0, '4xx': 0, '429': 0, '5xx': 0 });
      }
    }
    const byDay = new Map(days.map((d) => [d.day, d]));
    const totals: Record<Outcome, number> = { '2xx': 0, '4xx': 0, '429': 0, '5xx': 0 };
    const table = new Map<
      string,
      { tenantId: string; environment: string; endpoint: string } & Record<Outcome, number>
    >();
    for (const r of rows) {
      const d = byDay.get(r.day);
      if (d) d[r.outcome] += r.calls;
      totals[r.outcome] += r.calls;
      const key = `${r.tenantId}|${r.environment}|${r.endpoint}`;
      const line = table.get(key) ?? {
        tenantId: r.tenantId,
        environment: r.environment,
        endpoint: r.endpoint,
        '2xx': 0,
        '4xx': 0,
        '429': 0,
        '5xx': 0,
      };
      line[r.outcome] += r.calls;
      table.set(key, line);
    }
    return {
      days,
      totals,
      table: [...table.values()].sort(
        (a, b) => b['2xx'] + b['4xx'] + b['429'] + b['5xx'] - (a['2xx'] + a['4xx'] + a['429'] + a['5xx']),
      ),
    };
  }, [usage.data, tenant, environment, endpoint]);

  if (usage.isPending) return <Loading label="Loading usage…" />;
  if (usage.isError) return <Banner kind="error">{messageFrom(usage.error)}</Banner>;
  const all = usage.data.rows;
  if (all.length === 0) {
    return (
      <EmptyState title="No API calls in the last 30 days">
        <p className="muted">
          Once the app calls the API, its calls per day show up here within a few seconds. The First API Call
          tab has commands to try.
        </p>
      </EmptyState>
    );
  }
  const tenants = [...new Set(all.map((r) => r.tenantId))].sort();
  const endpoints = [...new Set(all.map((r) => r.endpoint))].sort();
  const total = view.totals['2xx'] + view.totals['4xx'] + view.totals['429'] + view.totals['5xx'];
  return (
    <>
      {usage.data.truncated && (
        <Banner kind="info">
          This report shows the most recent rows only: the oldest days of the period are left out.
        </Banner>
      )}
      <div className="card">
        <div className="actions" style={{ gap: '1rem', alignItems: 'flex-end' }}>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="usage-tenant">Tenant</label>
            <select id="usage-tenant" value={tenant} onChange={(e) => setTenant(e.target.value)}>
              <option value="">All tenants</option>
              {tenants.map((t) => (
                <option key={t} value={tenantOption(t)}>
                  {tenantLabel(t)}
                </option>
              ))}
            </select>
          </div>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="usage-environment">Environment</label>
            <select
              id="usage-environment"
              value={environment}
              onChange={(e) => setEnvironment(e.target.value)}
            >
              <option value="">Both environments</option>
              {ENVIRONMENTS.map((e) => (
                <option key={e} value={e}>
                  {ENVIRONMENT_LABEL[e]}
                </option>
              ))}
            </select>
          </div>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="usage-endpoint">Endpoint</label>
            <select id="usage-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)}>
              <option value="">All endpoints</option>
              {endpoints.map((e) => (
                <option key={e} value={e}>
                  {endpointLabel(e)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p aria-live="polite" data-testid="usage-totals">
          <strong>{total}</strong> {total === 1 ? 'call' : 'calls'} in the last 30 days:{' '}
          {OUTCOMES.map((o) => `${view.totals[o.key]} ${o.label.toLowerCase()}`).join(', ')}.
        </p>
        <figure style={{ margin: 0 }} aria-label="Calls per day">
          <div style={{ width: '100%', height: 300 }} className="usage-chart">
            <ResponsiveContainer>
              <BarChart data={view.days} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" interval={4} tick={{ fontSize: 12 }} />
                <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
                <Tooltip />
                <Legend />
                {OUTCOMES.map((o) => (
                  <Bar
                    key={o.key}
                    dataKey={o.key}
                    name={o.label}
                    stackId="calls"
                    fill={o.color}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
          <figcaption className="muted">Calls per day, last 30 days (UTC), stacked by outcome.</figcaption>
        </figure>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Calls by tenant, environment and endpoint</caption>
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Environment</th>
              <th scope="col">Endpoint</th>
              {OUTCOMES.map((o) => (
                <th scope="col" key={o.key}>
                  {o.key}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.table.map((line) => (
              <tr key={`${line.tenantId}|${line.environment}|${line.endpoint}`}>
                <td>{tenantLabel(line.tenantId)}</td>
                <td>{ENVIRONMENT_LABEL[line.environment as keyof typeof ENVIRONMENT_LABEL]}</td>
                <td>
                  {line.endpoint === UNAUTHENTICATED ? (
                    endpointLabel(line.endpoint)
                  ) : (
                    <code>{line.endpoint}</code>
                  )}
                </td>
                {OUTCOMES.map((o) => (
                  <td key={o.key}>{line[o.key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
