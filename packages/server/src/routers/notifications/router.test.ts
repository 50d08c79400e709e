import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  approveAsShown,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { Notification, Organization, User } from '../../db/entities';

const publicApp = {
  name: 'Notified App',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'public' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};
const REASON = 'Scopes ask for more than the app needs.';
const MEMBER = 'second.member@acme.example';

describe.each(dialects)('notifications on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let member: () => Caller;
  let dev2: () => Caller;
  let admin: () => Caller;
  let admin2: () => Caller;
  let reviewer: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    // A second member of Acme Field Apps: every member hears about the organization's apps.
    const em = t.db.em();
    const acme = await em.findOneOrFail(Organization, { name: 'Acme Field Apps' });
    em.create(User, {
      id: crypto.randomUUID(),
      email: MEMBER,
      name: 'Morgan Member',
      passwordHash: 'unusable',
      organization: acme,
      isReviewer: false,
    });
    await em.flush();
    [dev, member, dev2, admin, admin2, reviewer] = await Promise.all([
      signIn(t, DEV),
      signIn(t, MEMBER),
      signIn(t, DEV2),
      signIn(t, ADMIN),
      signIn(t, ADMIN2),
      signIn(t, REVIEWER),
    ]);
  });
  afterAll(async () => t?.close());

  it('answers UNAUTHORIZED without a session', async () => {
    expect((await rejection(t.anonymous().notifications.list())).code).toBe('UNAUTHORIZED');
    expect((await rejection(t.anonymous().notifications.markAllRead())).code).toBe('UNAUTHORIZED');
  });

  it('starts empty for everyone', async () => {
    for (const caller of [dev, member, dev2, admin, admin2, reviewer])
      expect(await caller().notifications.list()).toEqual({ unread: 0, items: [] });
  });

  it("tells every member of the app's organization, and nobody else, about an approval and a rejection with its reason", async () => {
    const approved = await dev().apps.create({ ...publicApp, name: 'Approved Notice' });
    const rejected = await member().apps.create({ ...publicApp, name: 'Rejected Notice' });

    // Refused decisions notify nobody.
    await rejection(reviewer().review.reject({ appId: rejected.id, reason: 'no' }));
    expect(await t.db.em().count(Notification, {})).toBe(0);

    await approveAsShown(reviewer(), approved.id);
    await reviewer().review.reject({ appId: rejected.id, reason: REASON });
    await rejection(approveAsShown(reviewer(), approved.id));

    for (const caller of [dev, member]) {
      const { unread, items } = await caller().notifications.list();
      expect(unread).toBe(2);
      expect(items).toHaveLength(2);
      const approvalNotice = items.find((n) => n.appId === approved.id);
      const rejectionNotice = items.find((n) => n.appId === rejected.id);
      expect(approvalNotice).toMatchObject({
        read: false,
        message: expect.stringContaining('Approved Notice'),
      });
      expect(approvalNotice?.message).toMatch(/approved/i);
      expect(rejectionNotice).toMatchObject({
        read: false,
        message: expect.stringContaining('Rejected Notice'),
      });
      expect(rejectionNotice?.message).toMatch(/rejected/i);
      expect(rejectionNotice?.message).toContain(REASON);
      expect(items.every((n) => n.createdAt instanceof Date)).toBe(true);
    }
    for (const caller of [dev2, admin, admin2, reviewer])
      expect(await caller().notifications.list()).toEqual({ unread: 0, items: [] });
  });

  it("notifies the other organization's developer about their own app only", async () => {
    const theirs = await dev2().apps.create({ ...publicApp, name: 'Other Co Notice' });
    const before = (await dev().notifications.list()).items.length;
    await approveAsShown(reviewer(), theirs.id);
    expect(await dev2().notifications.list()).toMatchObject({
      unread: 1,
      items: [{ appId: theirs.id, read: false }],
    });
    expect((await dev().notifications.list()).items).toHaveLength(before);
  });

  it("markAllRead zeroes the caller's unread count, keeps the items, and leaves other members' alone", async () => {
    const unreadBefore = (await dev().notifications.list()).unread;
    expect(unreadBefore).toBeGreaterThan(0);
    expect(await dev().notifications.markAllRead()).toEqual({ marked: unreadBefore });
    const after = await dev().notifications.list();
    expect(after.unread).toBe(0);
    expect(after.items).toHaveLength(unreadBefore);
    expect(after.items.every((n) => n.read)).toBe(true);
    expect(await dev().notifications.markAllRead()).toEqual({ marked: 0 });
    expect((await member().notifications.list()).unread).toBe(2);
    expect(await admin().notifications.markAllRead()).toEqual({ marked: 0 });

    // A new decision after marking is unread again.
    const next = await dev().apps.create({ ...publicApp, name: 'After Marking' });
    await approveAsShown(reviewer(), next.id);
    const latest = await dev().notifications.list();
    expect(latest.unread).toBe(1);
    expect(latest.items[0]).toMatchObject({ appId: next.id, read: false });
  });
});
