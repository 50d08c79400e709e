import {
  type Environment,
  type OutcomeCounts,
  UNAUTHENTICATED_ENDPOINT,
  USAGE_OUTCOMES,
  type UsageFilter,
  usageReportWindow,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { dialectOf } from '../audit/lead';
import { prefixEnd } from './connection-tenants';
import { findOwnedApp } from './queries';

type Counted = Record<`o${number}`, number | string>;
type Param = string | number;

/** One sum per outcome, in the order of USAGE_OUTCOMES: the columns `o0`… of a grouped row. */
const OUTCOME_SUMS = USAGE_OUTCOMES.map(
  (_, i) => `sum(case when outcome = ? then calls else 0 end) as o${i}`,
).join(', ');

function countsOf(row: Counted): OutcomeCounts {
  return Object.fromEntries(
    USAGE_OUTCOMES.map((outcome, i) => [outcome, Number(row[`o${i}`])]),
  ) as OutcomeCounts;
}

/** SQL conditions joined by `and`, with their parameters in order. */
class Where {
  readonly terms: string[] = [];
  readonly params: Param[] = [];

  add(term: string, ...params: Param[]): this {
    this.terms.push(term);
    this.params.push(...params);
    return this;
  }

  get sql(): string {
    return this.terms.join(' and ');
  }
}

/**
 * The calls a filter keeps by tenant, as conditions on `tenant_id` that bound
 * a range of the index (app, tenant, environment, endpoint, day): the empty
 * Tenant ID for the calls that proved no tenant, or the Tenant IDs starting
 * with the prefix (a range rather than LIKE, see prefixEnd). The endpoint of
 * those calls has them all, and only them, so it narrows to them as well.
 */
function byTenant(where: Where, filter: UsageFilter): Where {
  if (filter.unauthenticated || filter.endpoint === UNAUTHENTICATED_ENDPOINT) where.add('tenant_id = ?', '');
  if (filter.tenantIdPrefix) {
    where.add('tenant_id >= ?', filter.tenantIdPrefix);
    const end = prefixEnd(filter.tenantIdPrefix);
    if (end !== null) where.add('tenant_id < ?', end);
  }
  return where;
}

/**
 * `environment` is the column as the chart compares it; the lines compare it
 * on SQLite as `+environment`, which keeps the grouping in index order (with
 * the bare column equal to one value, SQLite sorts the app's rows into groups
 * first rather than stopping at the end of the page).
 */
function byEnvironmentAndEndpoint(where: Where, filter: UsageFilter, environment = 'environment'): Where {
  if (filter.environment !== undefined) where.add(`${environment} = ?`, filter.environment);
  if (filter.endpoint !== undefined) where.add('endpoint = ?', filter.endpoint);
  return where;
}

const tenantFiltered = (filter: UsageFilter) => Boolean(filter.unauthenticated || filter.tenantIdPrefix);

/**
 * The daily rows as the lines are read: along the index in Tenant ID,
 * environment and endpoint order, or for one endpoint along the same after
 * the endpoint (see the usage-rollup migration). SQLite is told which: with a
 * day range and a Tenant ID range to choose from, it would otherwise take the
 * unique index (app, day, …) and read every tenant's rows of the period.
 */
function dailyRows(sqlite: boolean, filter: UsageFilter): string {
  if (!sqlite) return 'usage_daily';
  return `usage_daily indexed by ${filter.endpoint === undefined ? 'usage_daily_app_lines_index' : 'usage_daily_app_endpoint_lines_index'}`;
}

/**
 * API Usage Report: the app's calls over the last `days` days, added up by the
 * database so that the answer stays small and quick whatever the traffic.
 * Four reads, none of them over all of a busy app's rows:
 * - the chart, calls per day by outcome for the calls the filter keeps: from
 *   the app's rollup (a few hundred rows: days × environments × endpoints ×
 *   outcomes), or with a tenant filter from the daily rows of those tenants
 *   along the lines' index;
 * - a page of lines, calls per tenant, environment and endpoint in that order
 *   after the cursor, grouped along that index so that the database stops at
 *   the end of the page;
 * - the endpoints with calls in the period whatever the filter, from the rollup;
 * - the app itself (another organization's answers NOT_FOUND).
 * The totals are the chart's sums.
 */
export async function usageReport(
  em: EntityManager,
  organizationId: string,
  input: { appId: string; days: number; cursor?: string | undefined; limit: number } & UsageFilter,
) {
  const app = await findOwnedApp(em, organizationId, input.appId);
  const { from, to } = usageReportWindow(input.days);
  const tag = listTag(
    'apps.usage',
    app.id,
    input.days,
    input.unauthenticated ? 'unauthenticated' : input.tenantIdPrefix || undefined,
    input.environment,
    input.endpoint,
  );
  const after = input.cursor
    ? (readListCursor(tag, input.cursor, ['text', 'text', 'text']) as string[])
    : null;
  const sqlite = dialectOf(em) === 'sqlite';
  const inWindow = () => new Where().add('app_id = ?', app.id).add('day >= ?', from).add('day <= ?', to);

  const chart = byEnvironmentAndEndpoint(
    tenantFiltered(input) ? byTenant(inWindow(), input) : inWindow(),
    input,
  );
  const lines = byEnvironmentAndEndpoint(
    byTenant(inWindow(), input),
    input,
    sqlite ? '+environment' : 'environment',
  );
  if (after)
    lines.add(
      'tenant_id >= ? and (tenant_id > ? or (environment >= ? and (environment > ? or endpoint > ?)))',
      ...[0, 0, 1, 1, 2].map((i) => after[i]!),
    );
  const connection = em.getConnection();
  const [days, grouped, endpoints] = await Promise.all([
    connection.execute<({ day: string } & Counted)[]>(
      `select day, ${OUTCOME_SUMS} from ${tenantFiltered(input) ? dailyRows(sqlite, input) : 'usage_app_daily'}
       where ${chart.sql} group by day order by day`,
      [...USAGE_OUTCOMES, ...chart.params],
      'all',
    ),
    connection.execute<({ tenant_id: string; environment: Environment; endpoint: string } & Counted)[]>(
      `select tenant_id, environment, endpoint, ${OUTCOME_SUMS} from ${dailyRows(sqlite, input)} where ${lines.sql}
       group by tenant_id, environment, endpoint order by tenant_id, environment, endpoint limit ?`,
      [...USAGE_OUTCOMES, ...lines.params, input.limit + 1],
      'all',
    ),
    connection.execute<{ endpoint: string }[]>(
      `select distinct endpoint from usage_app_daily where ${inWindow().sql} order by endpoint`,
      inWindow().params,
      'all',
    ),
  ]);
  const page = listPage(
    tag,
    grouped.map((row) => ({
      tenantId: row.tenant_id,
      environment: row.environment,
      endpoint: row.endpoint,
      calls: countsOf(row),
    })),
    input.limit,
    (line) => [line.tenantId, line.environment, line.endpoint],
  );
  return {
    from,
    to,
    days: days.map((row) => ({ day: row.day, calls: countsOf(row) })),
    lines: page.items,
    nextCursor: page.nextCursor,
    endpoints: endpoints.map((row) => row.endpoint),
  };
}
