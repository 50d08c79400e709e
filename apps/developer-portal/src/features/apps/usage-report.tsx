import {
  callsIn,
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  type Environment,
  UNAUTHENTICATED_ENDPOINT,
  USAGE_OUTCOMES,
  USAGE_REPORT_MAX_LINES,
  USAGE_REPORT_MAX_TENANTS,
  type UsageOutcome,
} from '@gatehouse/domain';
import { Banner, DataTable, EmptyState, QueryResult, SelectField, useTRPC } from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApp } from './app-page';
import { summarizeUsage, type Usage } from './usage-summary';

const OUTCOME_LOOK: Record<UsageOutcome, { label: string; color: string }> = {
  '2xx': { label: 'Success (2xx)', color: '#067647' },
  '4xx': { label: 'Client errors (4xx)', color: '#dc6803' },
  '429': { label: 'Throttled (429)', color: '#7a5af8' },
  '5xx': { label: 'Server errors (5xx)', color: '#b42318' },
};
const OUTCOMES = USAGE_OUTCOMES.map((key) => ({ key, ...OUTCOME_LOOK[key] }));

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

/** The filters as the selects hold them: '' for all. */
interface Filters {
  tenant: string;
  environment: string;
  endpoint: string;
}

/**
 * API Usage Report: calls per day over the last 30 days, by outcome, and the
 * busiest lines by tenant, environment and endpoint, narrowed by any of them.
 * The server adds the calls up; the filters ask it again.
 */
export function UsageReport() {
  const app = useApp();
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({ tenant: '', environment: '', endpoint: '' });
  const usage = useQuery({
    ...trpc.apps.usage.queryOptions(
      {
        appId: app.id,
        days: 30,
        ...(filters.tenant ? { tenantId: filters.tenant === NO_TENANT ? '' : filters.tenant } : {}),
        ...(filters.environment ? { environment: filters.environment as Environment } : {}),
        ...(filters.endpoint ? { endpoint: filters.endpoint } : {}),
      },
      { refetchInterval: 10_000 },
    ),
    placeholderData: keepPreviousData,
  });
  return (
    <QueryResult
      query={usage}
      loading="Loading usage…"
      // The tenants with calls are listed whatever the filters: none means no calls at all.
      isEmpty={(data) => data.tenants.length === 0}
      empty={
        <EmptyState title="No API calls in the last 30 days">
          <p className="muted">
            Once the app calls the API, its calls per day show up here within a few seconds. The First API
            Call tab has commands to try.
          </p>
        </EmptyState>
      }
    >
      {(data) => <UsageView usage={data} filters={filters} onFilters={setFilters} />}
    </QueryResult>
  );
}

const FILTER_STYLE = { marginBottom: 0 };

function UsageView({
  usage,
  filters,
  onFilters,
}: {
  usage: Usage;
  filters: Filters;
  onFilters: (filters: Filters) => void;
}) {
  const { tenant, environment, endpoint } = filters;
  const view = useMemo(() => summarizeUsage(usage), [usage]);
  const total = callsIn(view.totals);
  return (
    <>
      {usage.moreTenants && (
        <Banner kind="info">
          The tenant filter lists the first {USAGE_REPORT_MAX_TENANTS.toLocaleString()} Tenant IDs with calls.
        </Banner>
      )}
      <div className="card">
        <div className="actions" style={{ gap: '1rem', alignItems: 'flex-end' }}>
          <SelectField
            id="usage-tenant"
            label="Tenant"
            all="All tenants"
            options={usage.tenants.map((t) => ({ value: tenantOption(t), label: tenantLabel(t) }))}
            value={tenant}
            onChange={(value) => onFilters({ ...filters, tenant: value })}
            style={FILTER_STYLE}
          />
          <SelectField
            id="usage-environment"
            label="Environment"
            all="Both environments"
            options={ENVIRONMENTS.map((e) => ({ value: e, label: ENVIRONMENT_LABEL[e] }))}
            value={environment}
            onChange={(value) => onFilters({ ...filters, environment: value })}
            style={FILTER_STYLE}
          />
          <SelectField
            id="usage-endpoint"
            label="Endpoint"
            all="All endpoints"
            options={usage.endpoints.map((e) => ({ value: e, label: endpointLabel(e) }))}
            value={endpoint}
            onChange={(value) => onFilters({ ...filters, endpoint: value })}
            style={FILTER_STYLE}
          />
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
      <DataTable
        caption="Calls by tenant, environment and endpoint"
        columns={['Tenant', 'Environment', 'Endpoint', ...USAGE_OUTCOMES]}
      >
        {usage.lines.map((line) => (
          <tr key={`${line.tenantId}|${line.environment}|${line.endpoint}`}>
            <td>{tenantLabel(line.tenantId)}</td>
            <td>{ENVIRONMENT_LABEL[line.environment]}</td>
            <td>
              {line.endpoint === UNAUTHENTICATED ? (
                endpointLabel(line.endpoint)
              ) : (
                <code>{line.endpoint}</code>
              )}
            </td>
            {OUTCOMES.map((o) => (
              <td key={o.key}>{line.calls[o.key]}</td>
            ))}
          </tr>
        ))}
      </DataTable>
      {usage.moreLines && (
        <p className="muted" data-testid="usage-more-lines">
          The {USAGE_REPORT_MAX_LINES} busiest lines are shown. Choose a tenant, environment or endpoint to
          see others.
        </p>
      )}
    </>
  );
}
