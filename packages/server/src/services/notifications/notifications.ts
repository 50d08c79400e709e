import type { EntityManager } from '@mikro-orm/knex';
import { Notification, User } from '../../db/entities';

/** How many of the newest notifications the bell shows. */
const SHOWN = 20;

/** The user's newest notifications and how many of all theirs are unread. */
export async function notificationsOf(em: EntityManager, userId: string) {
  const [items, unread] = await Promise.all([
    em.find(Notification, { user: userId }, { orderBy: { createdAt: 'desc' }, limit: SHOWN }),
    em.count(Notification, { user: userId, readAt: null }),
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
}

/** Marks every unread notification of the user read; returns how many were. */
export function markAllRead(em: EntityManager, userId: string): Promise<number> {
  return em.nativeUpdate(Notification, { user: userId, readAt: null }, { readAt: new Date() });
}

/** Tells every member of an organization something about one of its apps, in the transaction of `em`. */
export async function notifyOrganization(
  em: EntityManager,
  organizationId: string,
  appId: string,
  message: string,
): Promise<void> {
  const members = await em.find(User, { organization: organizationId });
  for (const member of members)
    em.create(Notification, { id: crypto.randomUUID(), user: member, appId, message });
}
