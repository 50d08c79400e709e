import { auditTrailQuerySchema, pageInputSchema, pageOutputSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { auditTrailProcedure } from '../../procedures';
import { auditTrailPage } from '../../services/audit/trail';
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
  /**
   * A page of the trail through one view, newest first, and the cursor of the next.
   * Its CSV export is `GET /exports/audit.csv` (http/audit-export.ts), a download.
   */
  list: auditTrailProcedure
    .input(auditTrailQuerySchema.extend(pageInputSchema(50, 200).shape))
    .output(pageOutputSchema(eventOutput))
    .query(({ ctx, input: { view: _view, cursor, limit, ...filters } }) =>
      auditTrailPage(ctx.em, ctx.reader, filters, { cursor, limit }),
    ),
});
