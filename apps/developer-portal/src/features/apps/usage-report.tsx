import {
  callsIn,
  ENVIRONMENT_LABEL,
  ENVIRONMENTS,
  type Environment,
  LIMITS,
  UNAUTHENTICATED_ENDPOINT,
  USAGE_LINES_PAGE,
  USAGE_OUTCOMES,
  type UsageOutcome,
} from '@gatehouse/domain';
import {
  CursorPager,
  DataTable,
  EmptyState,
  type ListSearch,
  QueryResult,
  SelectField,
  useCursorPages,
  useListFilters,
  useListSearch,
  useTRPC,
} from '@gatehouse/ui';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useApp } from './app-page';
import { UsageLatency, UsageRequestLog } from './usage-requests';
import { summarizeUsage, type Usage } from './usage-summary';

const OUTCOME_LOOK: Record<UsageOutcome, { label: string; color: string }> = {
  '2xx': { label: 'Success (2xx)', color: '#067647' },
  '4xx': { label: 'Client errors (4xx)', color: '#b54708' },
  '429': { label: 'Throttled (429)', color: '#6941c6' },
  '5xx': { label: 'Server errors (5xx)', color: '#b42318' },
};
const OUTCOMES = USAGE_OUTCOMES.map((key) => ({ key, ...OUTCOME_LOOK[key] }));

/** The server counts calls whose token proved no tenant under this endpoint, with no Tenant ID. */
const UNAUTHENTICATED = UNAUTHENTICATED_ENDPOINT;
const UNAUTHENTICATED_LABEL = 'Unauthenticated calls';

/** How a row's tenant and endpoint read in the report: the bucket of calls that proved no tenant says so. */
const tenantLabel = (tenantId: string) => tenantId || UNAUTHENTICATED_LABEL;
const endpointLabel = (endpoint: string) =>
  endpoint === UNAUTHENTICATED ? 'Token missing, not valid, or for another app or tenant' : endpoint;

/** The filters other than the Tenant ID, as the address keeps them: '' for all. */
const FILTER_NAMES = ['unauthenticated', 'environment', 'endpoint'] as const;
type Filters = Record<(typeof FILTER_NAMES)[number], string>;

/**
 * API Usage Report: calls per day over the last 30 days, by outcome, and the
 * calls of each tenant, environment and endpoint in Tenant ID order, a page
 * at a time, narrowed by any of them. The server adds the calls up; the
 * filters ask it again, the Tenant ID once typing pauses. The page and the
 * filters are in the address. Under them, latency per endpoint per day and
 * the request log, whose own filters are in the address too.
 */
export function UsageReport() {
  const app = useApp();
  const trpc = useTRPC();
  const tenant = useListSearch('tenant');
  const { applied: filters, apply } = useListFilters(FILTER_NAMES);
  const pages = useCursorPages();
  const unauthenticated = filters.unauthenticated !== '';
  const usage = useQuery({
    ...trpc.apps.usage.queryOptions(
      {
        appId: app.id,
        days: 30,
        ...(pages.cursor ? { cursor: pages.cursor } : {}),
        ...(unauthenticated
          ? { unauthenticated: true }
          : tenant.searched
            ? { tenantIdPrefix: tenant.searched }
            : {}),
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
      // The endpoints with calls are listed whatever the filters: none means no calls at all.
      isEmpty={(data) => data.endpoints.length === 0}
      empty={
        <EmptyState title="No API calls in the last 30 days">
          <p className="muted">
            Once the app calls the API, its calls per day show up here within a few seconds. The First API
            Call tab has commands to try.
          </p>
        </EmptyState>
      }
    >
      {(data) => (
        <>
          <div className="card">
            <UsageFilters endpoints={data.endpoints} tenant={tenant} filters={filters} onFilters={apply} />
            <UsageChart usage={data} />
          </div>
          <UsageLines usage={data} />
          <CursorPager
            pages={pages}
            nextCursor={data.nextCursor}
            busy={usage.isPlaceholderData}
            label="Pages of lines"
          />
          <UsageLatency
            appId={app.id}
            environment={(filters.environment || undefined) as Environment | undefined}
            endpoint={filters.endpoint || undefined}
          />
          <UsageRequestLog appId={app.id} endpoints={data.endpoints.filter((e) => e !== UNAUTHENTICATED)} />
        </>
      )}
    </QueryResult>
  );
}

const FILTER_STYLE = { marginBottom: 0 };

function UsageFilters({
  endpoints,
  tenant,
  filters,
  onFilters,
}: {
  endpoints: readonly string[];
  tenant: ListSearch;
  filters: Filters;
  onFilters: (filters: Filters) => void;
}) {
  const unauthenticated = filters.unauthenticated !== '';
  return (
    // Named: the request log further down has filters of the same names.
    <section
      className="actions"
      aria-label="Filter the report"
      style={{ gap: '1rem', alignItems: 'flex-end' }}
    >
      <div className="field" style={FILTER_STYLE}>
        <label htmlFor="usage-tenant">Tenant ID</label>
        <input
          id="usage-tenant"
          type="search"
          inputMode="numeric"
          placeholder="Starts with…"
          aria-describedby="usage-tenant-hint"
          value={tenant.text}
          disabled={unauthenticated}
          // Tenant IDs are digits: anything else could never match.
          onChange={(e) => tenant.setText(e.target.value.replace(/\D/g, '').slice(0, LIMITS.tenantIdDigits))}
        />
        <span id="usage-tenant-hint" className="sr-only">
          Shows the tenants whose Tenant ID starts with these digits.
        </span>
      </div>
      <label className="choice" style={{ marginBottom: '0.6rem' }}>
        <input
          type="checkbox"
          checked={unauthenticated}
          onChange={(e) => onFilters({ ...filters, unauthenticated: e.target.checked ? 'only' : '' })}
        />
        Only {UNAUTHENTICATED_LABEL.toLowerCase()}
      </label>
      <SelectField
        id="usage-environment"
        label="Environment"
        all="Both environments"
        options={ENVIRONMENTS.map((e) => ({ value: e, label: ENVIRONMENT_LABEL[e] }))}
        value={filters.environment}
        onChange={(value) => onFilters({ ...filters, environment: value })}
        style={FILTER_STYLE}
      />
      <SelectField
        id="usage-endpoint"
        label="Endpoint"
        all="All endpoints"
        options={endpoints.map((e) => ({ value: e, label: endpointLabel(e) }))}
        value={filters.endpoint}
        onChange={(value) => onFilters({ ...filters, endpoint: value })}
        style={FILTER_STYLE}
      />
    </section>
  );
}

function UsageChart({ usage }: { usage: Usage }) {
  const view = useMemo(() => summarizeUsage(usage), [usage]);
  const total = callsIn(view.totals);
  return (
    <>
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
              {/* The tooltip names each outcome in the text colour: a bar's colour can be too light to read as text. */}
              <Tooltip itemStyle={{ color: 'var(--text)' }} />
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
    </>
  );
}

function UsageLines({ usage }: { usage: Usage }) {
  return (
    <>
      <p className="muted" data-testid="usage-lines-order">
        Calls by Tenant ID, then environment and endpoint, {USAGE_LINES_PAGE} lines a page; unauthenticated
        calls come first.
      </p>
      <DataTable
        caption="Calls by tenant, environment and endpoint, in Tenant ID order"
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
      {usage.lines.length === 0 ? (
        <p className="muted" data-testid="usage-no-lines">
          No calls match these filters in the last 30 days.
        </p>
      ) : null}
    </>
  );
}
