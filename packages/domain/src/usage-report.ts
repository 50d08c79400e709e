/** Rows one usage report holds at most: the newest days come first, so a cut drops the oldest. */
export const USAGE_REPORT_MAX_ROWS = 2000;

const DAY_MS = 86_400_000;

/** The days a report of the last `days` days covers, as `YYYY-MM-DD` in UTC, today included. */
export function usageReportWindow(days: number, now = new Date()): { from: string; to: string } {
  return {
    from: new Date(now.getTime() - (days - 1) * DAY_MS).toISOString().slice(0, 10),
    to: now.toISOString().slice(0, 10),
  };
}

/**
 * What a report keeps of the rows read newest day first, one past the cap: at
 * most the cap, oldest first, and a day shown whole or not at all (the oldest
 * day the cap cut into would read too low), unless it is the only day.
 */
export function usageReportRows<R extends { readonly day: string }>(
  newestFirst: readonly R[],
  max = USAGE_REPORT_MAX_ROWS,
): { rows: R[]; truncated: boolean } {
  const truncated = newestFirst.length > max;
  let kept = newestFirst.slice(0, max);
  const cutDay = truncated ? kept.at(-1)?.day : undefined;
  if (cutDay !== undefined && kept[0]?.day !== cutDay) kept = kept.filter((row) => row.day !== cutDay);
  return { rows: kept.reverse(), truncated };
}
