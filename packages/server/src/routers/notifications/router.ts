import { z } from 'zod';
import { authedProcedure } from '../../procedures';
import { markAllRead, notificationsOf } from '../../services/notifications/notifications';
import { router } from '../../trpc';

const notificationOutput = z.object({
  id: z.string(),
  appId: z.string().nullable(),
  message: z.string(),
  createdAt: z.date(),
  read: z.boolean(),
});

export const notificationsRouter = router({
  list: authedProcedure
    .output(z.object({ unread: z.number().int(), items: z.array(notificationOutput) }))
    .query(({ ctx }) => notificationsOf(ctx.em, ctx.user.id)),

  markAllRead: authedProcedure
    .meta({ access: 'unchanged' })
    .output(z.object({ marked: z.number().int() }))
    .mutation(async ({ ctx }) => ({ marked: await markAllRead(ctx.em, ctx.user.id) })),
});
