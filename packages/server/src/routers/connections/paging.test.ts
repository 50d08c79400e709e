import { isVisibleToTenant } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { App, AppTenant, AppVersion, AuditEvent, Connection, User } from '../../db/entities';
import { encodeCursor } from '../../db/keyset';
import { listTag } from '../../db/list-cursor';
import { sqlStatementsSent } from '../../db/orm';

const TENANT = '985798691'; // ADMIN's
const TENANT2 = '100200300'; // ADMIN2's
/** More connections than one tenant's list ever held unpaged: the old OR chain broke SQLite well before this. */
const CONNECTED = 1_150;
const STATUSES = ['connected', 'disabled', 'declined'] as const;

type ListInput = Parameters<Caller['connections']['list']>[0];
type Page<T> = { items: T[]; nextCursor: string | null };

/** Every page of a list from the first, and how many pages it took. */
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

describe.each(dialects)('paged admin lists on %s', (dialect) => {
  let t: TestDatabase;
  let admin: Caller;
  let admin2: Caller;
  /** What was made, to compare the lists with. */
  const made: {
    id: string;
    name: string;
    kind: 'private' | 'public';
    firstApprovedAt: Date | null;
    deletedAt: Date | null;
    listed: boolean;
    connection?: { id: string; status: (typeof STATUSES)[number]; updatedAt: Date };
  }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [admin, admin2] = await Promise.all([t.as(ADMIN), t.as(ADMIN2)]);
    const em = t.db.em();
    const dev = await em.findOneOrFail(User, { email: DEV }, { populate: ['organization'] });
    const base = Date.UTC(2030, 0, 1);
    for (let i = 0; i < CONNECTED + 120; i++) {
      const id = crypto.randomUUID();
      // Names in both letter cases, a few with LIKE's wildcards in them.
      const name = `${i % 2 ? 'paged' : 'Paged'} App ${String(i).padStart(4, '0')}${i % 200 === 7 ? ' 100%_off' : ''}`;
      const kind = i % 11 === 3 ? 'public' : 'private';
      const firstApprovedAt = kind === 'public' && i % 2 ? new Date(base) : null;
      const deletedAt = i % 97 === 5 ? new Date(base) : null;
      // A connected app the developer stopped offering to the tenant, now and then.
      const listed = i % 13 !== 4;
      const app = em.create(App, {
        id,
        organization: dev.organization!,
        name,
        homePageUrl: 'https://paged.example',
        listedName: kind === 'private' || firstApprovedAt ? name : null,
        listedHomePageUrl: kind === 'private' || firstApprovedAt ? 'https://paged.example' : null,
        kind,
        credentialsMode: 'tenant_admin',
        reviewStatus: kind === 'private' ? 'not_required' : firstApprovedAt ? 'approved' : 'pending',
        firstApprovedAt,
        deletedAt,
        appKey: `paged_${id}`,
        latestVersion: 1,
        createdBy: dev,
      });
      em.create(AppVersion, { id: crypto.randomUUID(), app, number: 1, scopes: [], createdBy: dev });
      if (listed) em.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: TENANT });
      // ADMIN2's tenant: a handful of listings and connections, to compare the cost of its lists with.
      if (i < 6) em.create(AppTenant, { id: crypto.randomUUID(), app, tenantId: TENANT2 });
      if (i < 3)
        em.create(Connection, {
          id: crypto.randomUUID(),
          app,
          tenant: TENANT2,
          environment: 'integration',
          status: 'declined',
        });
      const entry: (typeof made)[number] = { id, name, kind, firstApprovedAt, deletedAt, listed };
      if (i < CONNECTED) {
        // Ten connections share each moment: ties in the leading sort key on every page.
        const connection = {
          id: crypto.randomUUID(),
          status: STATUSES[i % 3]!,
          updatedAt: new Date(base + Math.floor(i / 10) * 60_000),
        };
        em.create(Connection, {
          ...connection,
          app,
          tenant: TENANT,
          environment: 'integration',
          acceptedVersion: connection.status === 'declined' ? null : 1,
          clientId: connection.status === 'declined' ? null : `ghc_paged_${i}_${dialect}`,
        });
        entry.connection = connection;
      }
      made.push(entry);
      if (i % 500 === 499) await em.flush();
    }
    await em.flush();
  }, 120_000);
  afterAll(async () => t?.close());

  const list = (input: Omit<ListInput, 'tenantId' | 'environment'> = {}) =>
    admin.connections.list({ tenantId: TENANT, environment: 'integration', ...input });
  const available = (input: Omit<ListInput, 'tenantId' | 'environment'> = {}) =>
    admin.connections.available({ tenantId: TENANT, environment: 'integration', ...input });

  /** The connections as the list must order them: last changed first, then id, both descending. */
  const expectedConnections = () =>
    made
      .filter((m) => m.connection)
      .sort(
        (a, b) =>
          b.connection!.updatedAt.getTime() - a.connection!.updatedAt.getTime() ||
          (a.connection!.id < b.connection!.id ? 1 : -1),
      );

  it('walks every connection once, in order, with offered right on each, a page at a time', async () => {
    const { items, pages } = await walk((cursor) => list({ cursor }));
    expect(pages).toBe(Math.ceil(CONNECTED / 50));
    const expected = expectedConnections();
    expect(items.map((c) => c.id)).toEqual(expected.map((m) => m.connection!.id));
    expect(items.map((c) => c.offered)).toEqual(expected.map((m) => m.listed));
    expect(items.map((c) => c.appDeleted)).toEqual(expected.map((m) => Boolean(m.deletedAt)));
    expect(items.map((c) => c.status)).toEqual(expected.map((m) => m.connection!.status));
    // Both answers occur: `offered` is read per app, not assumed.
    expect(new Set(items.map((c) => c.offered))).toEqual(new Set([true, false]));
  });

  it('pages of 200 hold the same connections in the same order', async () => {
    const big = await walk((cursor) => list({ cursor, limit: 200 }));
    expect(big.pages).toBe(Math.ceil(CONNECTED / 200));
    expect(big.items.map((c) => c.id)).toEqual(expectedConnections().map((m) => m.connection!.id));
  });

  it('finds connections by app name in any letter case, LIKE wildcards taken literally', async () => {
    const found = await walk((cursor) => list({ cursor, search: 'PAGED APP 01', limit: 20 }));
    const expected = expectedConnections().filter((m) => m.name.toLowerCase().includes('paged app 01'));
    expect(expected.length).toBeGreaterThan(20);
    expect(found.items.map((c) => c.id)).toEqual(expected.map((m) => m.connection!.id));
    const percent = await list({ search: '100%_' });
    expect(percent.items.map((c) => c.appName)).toEqual(
      expectedConnections()
        .filter((m) => m.name.includes('100%_'))
        .map((m) => m.name),
    );
    expect(percent.items.length).toBeGreaterThan(0);
    expect((await list({ search: '%' })).items.every((c) => c.appName.includes('%'))).toBe(true);
  });

  it('offers exactly the visible, unconnected and declined apps across pages, by name then id', async () => {
    const { items } = await walk((cursor) => available({ cursor, limit: 37 }));
    const expected = made
      .filter((m) => isVisibleToTenant(m, m.listed))
      .filter((m) => !m.connection || m.connection.status === 'declined')
      .sort((a, b) =>
        a.name.toLowerCase() < b.name.toLowerCase()
          ? -1
          : a.name.toLowerCase() > b.name.toLowerCase()
            ? 1
            : 0,
      );
    expect(expected.length).toBeGreaterThan(300);
    expect(items.map((a) => a.appId)).toEqual(expected.map((m) => m.id));
    expect(items.map((a) => a.declined)).toEqual(expected.map((m) => m.connection?.status === 'declined'));
  });

  it('searches Connect New App by name, and starts again from page 1 for a new search', async () => {
    const first = await available({ search: 'paged app 00', limit: 10 });
    expect(first.items.length).toBe(10);
    expect(first.items.every((a) => a.name.toLowerCase().includes('paged app 00'))).toBe(true);
    const rest = await walk((cursor) => available({ search: 'paged app 00', cursor, limit: 10 }));
    expect(rest.items.slice(0, 10)).toEqual(first.items);
    expect(new Set(rest.items.map((a) => a.appId)).size).toBe(rest.items.length);
    // A cursor belongs to its search: under another search it is refused, not misread.
    const failure = await rejection(available({ search: 'paged app 01', cursor: first.nextCursor! }));
    expect(failure.code).toBe('BAD_REQUEST');
    expect((await available({ search: 'no such app' })).items).toEqual([]);
  });

  it('costs the same number of SQL statements on every page and whatever the tenant holds', async () => {
    const statements = async (call: () => Promise<unknown>) => {
      const before = sqlStatementsSent();
      await call();
      return sqlStatementsSent() - before;
    };
    const second = (await list()).nextCursor!;
    const late = (await walk((cursor) => list({ cursor, limit: 200 }))).items.at(-60)!;
    const lateCursor = encodeCursor([
      listTag('connections', TENANT, 'integration', undefined),
      new Date(late.updatedAt),
      late.id,
    ]);
    const listFirst = await statements(() => list());
    expect(await statements(() => list({ cursor: second }))).toBe(listFirst);
    expect(await statements(() => list({ cursor: lateCursor }))).toBe(listFirst);
    expect(await statements(() => list({ search: 'paged' }))).toBe(listFirst);
    const availableFirst = await statements(() => available());
    const availableNext = (await available()).nextCursor!;
    expect(await statements(() => available({ cursor: availableNext }))).toBe(availableFirst);
    // ADMIN2's tenant holds a handful: the same statements as ADMIN's thousand.
    const other = { tenantId: TENANT2, environment: 'integration' as const };
    expect((await admin2.connections.list(other)).items).toHaveLength(3);
    expect((await admin2.connections.available(other)).items.length).toBeGreaterThan(0);
    expect(await statements(() => admin2.connections.list(other))).toBe(listFirst);
    expect(await statements(() => admin2.connections.available(other))).toBe(availableFirst);
  });

  it('refuses a malformed, forged or foreign cursor with a clear error, changing nothing', async () => {
    const state = async () => ({
      connections: await t.db.em().count(Connection, {}),
      audit: await t.db.em().count(AuditEvent, {}),
    });
    const own = (await list()).nextCursor!;
    const tag = listTag('connections', TENANT, 'integration', undefined);
    const forged = [
      'bm90LWpzb24',
      encodeCursor(['only one']),
      encodeCursor([tag, 'not a moment', crypto.randomUUID()]),
      encodeCursor([tag, new Date(), 'not-an-id']),
      encodeCursor([tag, new Date(), "' or 1=1 --"]),
    ];
    for (const cursor of forged) {
      const failure = await rejectionWithoutChange(state, () => list({ cursor }));
      expect(failure, cursor).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('Start again from the first page'),
      });
    }
    // A cursor of one list is not a position in another, nor in another environment.
    expect((await rejection(available({ cursor: own }))).code).toBe('BAD_REQUEST');
    expect(
      (await rejection(admin.connections.list({ tenantId: TENANT, environment: 'production', cursor: own })))
        .code,
    ).toBe('BAD_REQUEST');
    // Malformed beyond decoding: a field error on the cursor.
    const malformed = await rejection(list({ cursor: 'not a cursor!' }));
    expect(malformed.code).toBe('BAD_REQUEST');
    expect(malformed.fieldErrors).toHaveProperty('cursor');
    for (const limit of [0, 201, 1.5])
      expect((await rejection(list({ limit }))).fieldErrors, String(limit)).toHaveProperty('limit');
  });

  it("answers another admin's tenant as not found, whatever the cursor", async () => {
    const own = (await list()).nextCursor!;
    for (const call of [
      () => admin2.connections.list({ tenantId: TENANT, environment: 'integration', cursor: own }),
      () => admin2.connections.available({ tenantId: TENANT, environment: 'integration', search: 'paged' }),
    ])
      expect(await rejection(call())).toEqual({
        code: 'NOT_FOUND',
        message: 'Tenant not found',
        fieldErrors: null,
      });
  });
});
