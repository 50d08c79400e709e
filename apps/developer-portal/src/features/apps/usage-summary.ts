import { USAGE_OUTCOMES, type UsageOutcome } from '@gatehouse/domain';
import type { RouterOutputs } from '@gatehouse/ui';

export type Usage = RouterOutputs['apps']['usage'];
type UsageRow = Usage['rows'][number];
export type OutcomeCounts = Record<UsageOutcome, number>;

function noCalls(): OutcomeCounts {
  return Object.fromEntries(USAGE_OUTCOMES.map((outcome) => [outcome, 0])) as OutcomeCounts;
}

/** Every call counted, whatever its outcome. */
export function callsIn(counts: OutcomeCounts): number {
  return USAGE_OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0);
}

/**
 * The report of the rows `keep` lets through: calls per day by outcome (every
 * day of the period, quiet ones too), the totals, and one line per tenant,
 * environment and endpoint, busiest first.
 */
export function summarizeUsage(usage: Usage, keep: (row: UsageRow) => boolean) {
  const days: ({ day: string; label: string } & OutcomeCounts)[] = [];
  for (let t = Date.parse(usage.from); t <= Date.parse(usage.to); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push({ day, label: day.slice(5), ...noCalls() });
  }
  const byDay = new Map(days.map((d) => [d.day, d]));
  const totals = noCalls();
  const lines = new Map<string, Pick<UsageRow, 'tenantId' | 'environment' | 'endpoint'> & OutcomeCounts>();
  for (const r of usage.rows) {
    if (!keep(r)) continue;
    const d = byDay.get(r.day);
    if (d) d[r.outcome] += r.calls;
    totals[r.outcome] += r.calls;
    const key = `${r.tenantId}|${r.environment}|${r.endpoint}`;
    const line = lines.get(key) ?? {
      tenantId: r.tenantId,
      environment: r.environment,
      endpoint: r.endpoint,
      ...noCalls(),
    };
    line[r.outcome] += r.calls;
    lines.set(key, line);
  }
  return { days, totals, table: [...lines.values()].sort((a, b) => callsIn(b) - callsIn(a)) };
}
