import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, developerActor } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { User } from '../../db/entities';
import { markAllRead, notificationsOf, notifyOrganization } from './notifications';

describe.each(dialects)('notification service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('tells every member of the organization, nobody else, and marks only the reader’s as read', async () => {
    const dev = await developerActor(t, DEV);
    const other = await actor(t, DEV2);
    const colleague = t.db.em().create(User, {
      id: crypto.randomUUID(),
      email: `colleague-${dialect}@acme.example`,
      name: 'Cole League',
      passwordHash: 'unusable',
      organization: dev.organizationId,
      isReviewer: false,
    });
    await t.db.em().persistAndFlush(colleague);
    const appId = crypto.randomUUID();

    const em = t.db.em();
    await notifyOrganization(em, dev.organizationId, appId, 'Service Notice was approved.');
    await em.flush();

    const mine = await notificationsOf(t.db.em(), dev.id);
    expect(mine.unread).toBe(1);
    expect(mine.items).toEqual([
      {
        id: expect.any(String),
        appId,
        message: 'Service Notice was approved.',
        createdAt: expect.any(Date),
        read: false,
      },
    ]);
    expect((await notificationsOf(t.db.em(), colleague.id)).unread).toBe(1);
    expect((await notificationsOf(t.db.em(), other.id)).items).toEqual([]);

    expect(await markAllRead(t.db.em(), dev.id)).toBe(1);
    expect(await notificationsOf(t.db.em(), dev.id)).toMatchObject({ unread: 0, items: [{ read: true }] });
    expect((await notificationsOf(t.db.em(), colleague.id)).unread).toBe(1);
  });
});
