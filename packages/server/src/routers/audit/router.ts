import { auditFiltersSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { auditTrailProcedure } from '../../procedures';
import { auditTrailCsv, auditTrailPage } from '../../services/audit/trail';
import { router } from '../../trpc';

const eventOutput = z.object({
  id: z.string(),
  at: z.date(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  organizationId: z.string().nullable(),
  organizationName: z.string().nullable(),
  appId: z.string().nullable(),
  appName: z.string().nullable(),
  tenantId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
});

export const auditRouter = router({
  list: auditTrailProcedure
    .input(
      auditFiltersSchema.extend({
        page: z.number().int().min(1).max(100_000).default(1),
        pageSize: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({
        items: z.array(eventOutput),
        page: z.number().int(),
        pageSize: z.number().int(),
        totalCount: z.number().int(),
      }),
    )
    .query(({ ctx, input: { page, pageSize, ...filters } }) =>
      auditTrailPage(ctx.em, ctx.reader, filters, { page, pageSize }),
    ),

  /** The filtered trail as CSV (newest first, at most 10,000 events). */
  exportCsv: auditTrailProcedure
    .input(auditFiltersSchema)
    .output(z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }))
    .query(({ ctx, input }) => auditTrailCsv(ctx.em, ctx.reader, input)),
});
