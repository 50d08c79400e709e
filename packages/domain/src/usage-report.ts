import { USAGE_OUTCOMES, type UsageOutcome } from './usage';

/**
 * Lines a page of the usage report's table shows: the calls of each tenant,
 * environment and endpoint, in that order, a page at a time however many
 * tenants call the app. The chart and the totals always cover every call the
 * filters keep.
 */
export const USAGE_LINES_PAGE = 50;

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

/** Which calls a report counts; none set counts every call. */
export interface UsageFilter {
  /** Calls of the tenants whose Tenant ID starts with these digits. */
  tenantIdPrefix?: string | undefined;
  /** Only the calls that proved no tenant: they are counted with an empty Tenant ID. */
  unauthenticated?: boolean | undefined;
  environment?: string | undefined;
  endpoint?: string | undefined;
}

export function keptByFilter(line: Omit<UsageLine, 'calls'>, filter: UsageFilter): boolean {
  const tenantKept = filter.unauthenticated
    ? line.tenantId === ''
    : !filter.tenantIdPrefix || line.tenantId.startsWith(filter.tenantIdPrefix);
  return (
    tenantKept &&
    (filter.environment === undefined || line.environment === filter.environment) &&
    (filter.endpoint === undefined || line.endpoint === filter.endpoint)
  );
}

/**
 * The order of the report's lines: by Tenant ID (the calls that proved no
 * tenant first), then environment, then endpoint, in code-unit order, the
 * same on every machine (not the locale's).
 */
export function compareUsageLines(a: Omit<UsageLine, 'calls'>, b: Omit<UsageLine, 'calls'>): number {
  return (
    compare(a.tenantId, b.tenantId) ||
    compare(a.environment, b.environment) ||
    compare(a.endpoint, b.endpoint)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
