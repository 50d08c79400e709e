import { z } from 'zod';
import { Notification } from '../../db/entities';
import { authedProcedure } from '../../procedures';
import { router } from '../../trpc';

export const notificationsRouter = router({
  list: authedProcedure
    .output(
      z.object({
        unread: z.number().int(),
        items: z.array(
          z.object({
            id: z.string(),
            appId: z.string().nullable(),
            message: z.string(),
            createdAt: z.date(),
            read: z.boolean(),
          }),
        ),
      }),
    )
    .query(async ({ ctx }) => {
      const [items, unread] = await Promise.all([
        ctx.em.find(Notification, { user: ctx.user.id }, { orderBy: { createdAt: 'desc' }, limit: 20 }),
        ctx.em.count(Notification, { user: ctx.user.id, readAt: null }),
      ]);
      return {
        unread,
        items: items.map((n) => ({
          id: n.id,
          appId: n.appId ?? null,
          message: n.message,
          createdAt: n.createdAt,
          read: Boolean(n.readAt),
        })),
      };
    }),

  markAllRead: authedProcedure.output(z.object({ marked: z.number().int() })).mutation(async ({ ctx }) => ({
    marked: await ctx.em.nativeUpdate(
      Notification,
      { user: ctx.user.id, readAt: null },
      { readAt: new Date() },
    ),
  })),
});
