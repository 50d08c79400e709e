import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { AccessRequest, App, AppTenant, AppVersion, User } from '../../db/entities';
import { encodeCursor } from '../../db/keyset';
import { sqlStatementsSent } from '../../db/orm';
import { TENANTS_SHOWN } from '../../services/review/queue';

const WAITING = 130;
const REQUESTS = 120;
/** The app listed by more tenants than the queue shows. */
const WIDELY_LISTED = 45;

type Page<T> = { items: T[]; nextCursor: string | null };

async function walk<T>(read: (cursor: string | undefined) => Promise<Page<T>>) {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { items, pages };
}

const statements = async (call: () => Promise<unknown>) => {
  const before = sqlStatementsSent();
  await call();
  return sqlStatementsSent() - before;
};

describe.each(dialects)('paged review lists on %s', (dialect) => {
  let t: TestDatabase;
  let reviewer: Caller;
  const apps: { id: string; submittedAt: Date; scopes: string[]; tenants: string[] }[] = [];
  const requests: { id: string; createdAt: Date }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    reviewer = await t.as(REVIEWER);
    const em = t.db.em();
    const dev = await em.findOneOrFail(User, { email: DEV }, { populate: ['organization'] });
    const base = Date.UTC(2020, 0, 1);
    for (let i = 0; i < WAITING; i++) {
      const id = crypto.randomUUID();
      // Five apps entered review at each moment: ties in the leading sort key on every page.
      const submittedAt = new Date(base + Math.floor(i / 5) * 60_000);
      const versions = 1 + (i % 3);
      const app = em.create(App, {
        id,
        organization: dev.organization!,
        name: `Waiting ${i}`,
        homePageUrl: 'https://waiting.example',
        kind: 'public',
        credentialsMode: 'tenant_admin',
        reviewStatus: 'pending',
        submittedAt,
        appKey: `waiting_${id}`,
        latestVersion: versions,
        createdBy: dev,
      });
      for (let n = 1; n <= versions; n++)
        em.create(AppVersion, {
          id: crypto.randomUUID(),
          app,
          number: n,
          scopes: [`tn.crm.customers:r`, `tn.v${n}.app${i}:r`],
          createdBy: dev,
        });
      const tenants = Array.from({ length: i === 7 ? WIDELY_LISTED : i % 3 }, (_, k) =>
        String(700_000_000 + k),
      );
      for (const [k, tenantId] of tenants.entries())
        em.create(AppTenant, { id: crypto.randomUUID(), app, tenantId, addedAt: new Date(base + k * 1000) });
      apps.push({ id, submittedAt, scopes: [`tn.crm.customers:r`, `tn.v${versions}.app${i}:r`], tenants });
    }
    for (let i = 0; i < REQUESTS + 20; i++) {
      const createdAt = new Date(base + Math.floor(i / 4) * 1000);
      const request = em.create(AccessRequest, {
        id: crypto.randomUUID(),
        name: `Requester ${i}`,
        email: `requester${i}@paged.example`,
        organizationName: `Requesting Co ${i % 7}`,
        role: i % 2 ? 'developer' : 'tenant_admin',
        tenantId: i % 2 ? null : '985798691',
        status: i < REQUESTS ? 'pending' : 'approved',
        createdAt,
      });
      if (i < REQUESTS) requests.push({ id: request.id, createdAt });
    }
    await em.flush();
  }, 120_000);
  afterAll(async () => t?.close());

  const byKey =
    <T extends { id: string }>(key: (x: T) => Date) =>
    (a: T, b: T) =>
      key(a).getTime() - key(b).getTime() || (a.id < b.id ? -1 : 1);

  it('pages the queue longest-waiting first, each app once, with its latest scopes and first Tenant IDs', async () => {
    const { items, pages } = await walk((cursor) => reviewer.review.queue({ cursor }));
    const expected = [...apps].sort(byKey((a) => a.submittedAt));
    expect(pages).toBe(Math.ceil(WAITING / 50));
    expect(items.map((i) => i.appId)).toEqual(expected.map((a) => a.id));
    for (const [n, item] of items.entries()) {
      expect([...item.scopes].sort(), item.name).toEqual([...expected[n]!.scopes].sort());
      expect(item.tenantIds, item.name).toEqual(expected[n]!.tenants.slice(0, TENANTS_SHOWN));
      expect(item.tenantCount, item.name).toBe(expected[n]!.tenants.length);
    }
    expect(items.some((i) => i.tenantCount > i.tenantIds.length)).toBe(true);
  });

  // SQLite keeps a moment as whole milliseconds whatever writes it.
  it.runIf(dialect === 'postgresql')(
    'walks apps sent to review at one moment written in SQL, each once',
    async () => {
      // A moment written by the database itself (as a migration's now() does) may carry microseconds
      // on PostgreSQL; the queue's moments keep milliseconds, as its cursors do, so no page repeats.
      await t.db
        .em()
        .getConnection()
        .execute(
          `update app set submitted_at = '2000-01-01 00:00:00.123456+00' where review_status = 'pending'`,
        );
      const { items } = await walk((cursor) => reviewer.review.queue({ cursor, limit: 7 }));
      expect(items.map((i) => i.appId).sort()).toEqual(apps.map((a) => a.id).sort());
    },
  );

  it('pages the pending access requests oldest first, each once', async () => {
    const { items, pages } = await walk((cursor) => reviewer.review.accessRequests({ cursor, limit: 25 }));
    expect(pages).toBe(Math.ceil(REQUESTS / 25));
    expect(items.map((r) => r.id)).toEqual([...requests].sort(byKey((r) => r.createdAt)).map((r) => r.id));
    expect(items.filter((r) => r.tenantId).every((r) => r.tenantName === 'Glendale Plumbing')).toBe(true);
  });

  it('costs the same number of SQL statements on every page, however long the lists', async () => {
    const queueNext = (await reviewer.review.queue()).nextCursor!;
    const queueFirst = await statements(() => reviewer.review.queue());
    expect(await statements(() => reviewer.review.queue({ cursor: queueNext }))).toBe(queueFirst);
    expect(await statements(() => reviewer.review.queue({ limit: 200 }))).toBe(queueFirst);
    const requestsNext = (await reviewer.review.accessRequests()).nextCursor!;
    const requestsFirst = await statements(() => reviewer.review.accessRequests());
    expect(await statements(() => reviewer.review.accessRequests({ cursor: requestsNext }))).toBe(
      requestsFirst,
    );
    expect(await statements(() => reviewer.review.accessRequests({ limit: 200 }))).toBe(requestsFirst);
  });

  it('refuses a forged or foreign cursor with a clear error, changing nothing', async () => {
    const state = async () => ({
      pendingApps: await t.db.em().count(App, { reviewStatus: 'pending' }),
      pendingRequests: await t.db.em().count(AccessRequest, { status: 'pending' }),
    });
    const queueCursor = (await reviewer.review.queue()).nextCursor!;
    const requestsCursor = (await reviewer.review.accessRequests()).nextCursor!;
    for (const call of [
      () => reviewer.review.queue({ cursor: requestsCursor }),
      () => reviewer.review.accessRequests({ cursor: queueCursor }),
      () => reviewer.review.queue({ cursor: encodeCursor(['x', new Date(), crypto.randomUUID()]) }),
      () => reviewer.review.accessRequests({ cursor: 'bm90LWpzb24' }),
    ]) {
      const failure = await rejectionWithoutChange(state, call);
      expect(failure).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('Start again from the first page'),
      });
    }
  });

  it('refuses the lists to a tenant admin, a developer and no session, cursor or not', async () => {
    const cursor = (await reviewer.review.queue()).nextCursor!;
    for (const email of [ADMIN, DEV]) {
      const caller = await t.as(email);
      expect((await rejection(caller.review.queue({ cursor }))).code).toBe('FORBIDDEN');
      expect((await rejection(caller.review.accessRequests({ limit: 5 }))).code).toBe('FORBIDDEN');
    }
    expect((await rejection(t.anonymous().review.queue({ cursor }))).code).toBe('UNAUTHORIZED');
    expect((await rejection(t.anonymous().review.accessRequests())).code).toBe('UNAUTHORIZED');
  });
});
