import { USAGE_OUTCOMES, type UsageOutcome } from './usage';

/**
 * What one usage report holds at most, whatever the traffic: its table lists
 * the busiest lines (tenant, environment and endpoint) and its tenant filter
 * offers that many Tenant IDs. The chart and the totals always cover every
 * call the filters keep.
 */
export const USAGE_REPORT_MAX_LINES = 100;
export const USAGE_REPORT_MAX_TENANTS = 1000;

const DAY_MS = 86_400_000;

/** The days a report of the last `days` days covers, as `YYYY-MM-DD` in UTC, today included. */
export function usageReportWindow(days: number, now = new Date()): { from: string; to: string } {
  return {
    from: new Date(now.getTime() - (days - 1) * DAY_MS).toISOString().slice(0, 10),
    to: now.toISOString().slice(0, 10),
  };
}

/** Calls by outcome. */
export type OutcomeCounts = Record<UsageOutcome, number>;

export function noCalls(): OutcomeCounts {
  return Object.fromEntries(USAGE_OUTCOMES.map((outcome) => [outcome, 0])) as OutcomeCounts;
}

/** Every call counted, whatever its outcome. */
export function callsIn(counts: OutcomeCounts): number {
  return USAGE_OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0);
}

/** The calls of all `parts` added up by outcome: the report's totals are its days added up. */
export function sumCalls(parts: readonly { readonly calls: OutcomeCounts }[]): OutcomeCounts {
  const total = noCalls();
  for (const part of parts) for (const outcome of USAGE_OUTCOMES) total[outcome] += part.calls[outcome];
  return total;
}

/**
 * Every day of the period, oldest first, quiet ones with no calls: the chart
 * draws a bar for each, while the report holds only the days with calls.
 */
export function everyDay(
  window: { from: string; to: string },
  busy: readonly { readonly day: string; readonly calls: OutcomeCounts }[],
): { day: string; calls: OutcomeCounts }[] {
  const byDay = new Map(busy.map((d) => [d.day, d.calls]));
  const days: { day: string; calls: OutcomeCounts }[] = [];
  for (let t = Date.parse(window.from); t <= Date.parse(window.to); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push({ day, calls: { ...(byDay.get(day) ?? noCalls()) } });
  }
  return days;
}

/** The calls of one tenant in one environment to one endpoint over the period, by outcome. */
export interface UsageLine {
  tenantId: string;
  environment: string;
  endpoint: string;
  calls: OutcomeCounts;
}

/** Which calls a report counts; none set counts every call. The empty Tenant ID is the calls that proved no tenant. */
export interface UsageFilter {
  tenantId?: string | undefined;
  environment?: string | undefined;
  endpoint?: string | undefined;
}

export function keptByFilter(line: Omit<UsageLine, 'calls'>, filter: UsageFilter): boolean {
  return (
    (filter.tenantId === undefined || line.tenantId === filter.tenantId) &&
    (filter.environment === undefined || line.environment === filter.environment) &&
    (filter.endpoint === undefined || line.endpoint === filter.endpoint)
  );
}

/**
 * The report's table and filters from every line of the period: the busiest
 * lines the filter keeps (ties in Tenant ID, environment and endpoint order),
 * and the Tenant IDs and endpoints with calls whatever the filter, so that
 * another can be chosen.
 */
export function usageLines<L extends UsageLine>(
  all: readonly L[],
  filter: UsageFilter,
  { maxLines = USAGE_REPORT_MAX_LINES, maxTenants = USAGE_REPORT_MAX_TENANTS } = {},
) {
  const kept = all.filter((line) => keptByFilter(line, filter));
  const byCalls = kept
    .map((line) => ({ line, total: callsIn(line.calls) }))
    .sort(
      (a, b) =>
        b.total - a.total ||
        compare(a.line.tenantId, b.line.tenantId) ||
        compare(a.line.environment, b.line.environment) ||
        compare(a.line.endpoint, b.line.endpoint),
    );
  const tenants = [...new Set(all.map((line) => line.tenantId))].sort(compare);
  return {
    lines: byCalls.slice(0, maxLines).map(({ line }) => line),
    moreLines: byCalls.length > maxLines,
    tenants: tenants.slice(0, maxTenants),
    moreTenants: tenants.length > maxTenants,
    endpoints: [...new Set(all.map((line) => line.endpoint))].sort(compare),
  };
}

/** Code-unit order, the same on every machine (not the locale's). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
