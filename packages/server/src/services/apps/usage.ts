import {
  USAGE_REPORT_MAX_ROWS,
  type UsageOutcome,
  usageReportRows,
  usageReportWindow,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { UsageDaily } from '../../db/entities';
import { findOwnedApp } from './queries';

/** API Usage Report: calls per day, tenant, environment, endpoint and outcome, bounded whatever the traffic. */
export async function usageReport(
  em: EntityManager,
  organizationId: string,
  input: { appId: string; days: number },
) {
  const app = await findOwnedApp(em, organizationId, input.appId);
  const { from, to } = usageReportWindow(input.days);
  const newestFirst = await em.find(
    UsageDaily,
    { appId: app.id, day: { $gte: from } },
    {
      orderBy: { day: 'desc', tenantId: 'asc', endpoint: 'asc', outcome: 'asc' },
      limit: USAGE_REPORT_MAX_ROWS + 1,
    },
  );
  const { rows, truncated } = usageReportRows(newestFirst);
  return {
    from,
    to,
    truncated,
    rows: rows.map((r) => ({
      day: r.day,
      tenantId: r.tenantId,
      environment: r.environment,
      endpoint: r.endpoint,
      // Stored as text, written only from USAGE_OUTCOMES.
      outcome: r.outcome as UsageOutcome,
      calls: r.calls,
    })),
  };
}
