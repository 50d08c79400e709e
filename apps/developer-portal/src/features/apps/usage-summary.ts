import { everyDay, sumCalls } from '@gatehouse/domain';
import type { RouterOutputs } from '@gatehouse/ui';

export type Usage = RouterOutputs['apps']['usage'];

/**
 * What the report draws of the server's sums: one bar per day of the period,
 * quiet days too, stacked by outcome, and the period's totals by outcome.
 */
export function summarizeUsage(usage: Usage) {
  return {
    days: everyDay(usage, usage.days).map(({ day, calls }) => ({ day, label: day.slice(5), ...calls })),
    totals: sumCalls(usage.days),
  };
}
