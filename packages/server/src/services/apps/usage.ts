import {
  type Environment,
  type OutcomeCounts,
  USAGE_OUTCOMES,
  type UsageFilter,
  usageLines,
  usageReportWindow,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { findOwnedApp } from './queries';

type Counted = Record<`o${number}`, number | string>;

/** One sum per outcome, in the order of USAGE_OUTCOMES: the columns `o0`… of a grouped row. */
const OUTCOME_SUMS = USAGE_OUTCOMES.map(
  (_, i) => `sum(case when outcome = ? then calls else 0 end) as o${i}`,
).join(', ');

function countsOf(row: Counted): OutcomeCounts {
  return Object.fromEntries(
    USAGE_OUTCOMES.map((outcome, i) => [outcome, Number(row[`o${i}`])]),
  ) as OutcomeCounts;
}

/**
 * API Usage Report: the app's calls over the last `days` days, added up by the
 * database so that the answer stays small whatever the traffic. Two grouped
 * reads of the app's days (the unique index on app, day, tenant, environment,
 * endpoint and outcome): calls per day by outcome for the calls the filter
 * keeps (the chart; the totals are its sum), and calls per tenant, environment
 * and endpoint, from which come the table's busiest lines and the filters'
 * choices.
 */
export async function usageReport(
  em: EntityManager,
  organizationId: string,
  input: { appId: string; days: number } & UsageFilter,
) {
  const app = await findOwnedApp(em, organizationId, input.appId);
  const { from, to } = usageReportWindow(input.days);
  const window = 'app_id = ? and day >= ? and day <= ?';
  const chosen: [column: string, value: string | undefined][] = [
    ['tenant_id', input.tenantId],
    ['environment', input.environment],
    ['endpoint', input.endpoint],
  ];
  const filters = chosen.filter((f): f is [string, string] => f[1] !== undefined);
  const dayWhere = [window, ...filters.map(([column]) => `${column} = ?`)].join(' and ');
  const connection = em.getConnection();
  const [days, groups] = await Promise.all([
    connection.execute<({ day: string } & Counted)[]>(
      `select day, ${OUTCOME_SUMS} from usage_daily where ${dayWhere} group by day order by day`,
      [...USAGE_OUTCOMES, app.id, from, to, ...filters.map(([, value]) => value)],
      'all',
    ),
    connection.execute<({ tenant_id: string; environment: Environment; endpoint: string } & Counted)[]>(
      `select tenant_id, environment, endpoint, ${OUTCOME_SUMS} from usage_daily
       where ${window} group by tenant_id, environment, endpoint`,
      [...USAGE_OUTCOMES, app.id, from, to],
      'all',
    ),
  ]);
  const all = groups.map((row) => ({
    tenantId: row.tenant_id,
    environment: row.environment,
    endpoint: row.endpoint,
    calls: countsOf(row),
  }));
  return {
    from,
    to,
    days: days.map((row) => ({ day: row.day, calls: countsOf(row) })),
    ...usageLines(all, input),
  };
}
