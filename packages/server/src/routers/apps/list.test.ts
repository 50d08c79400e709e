import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  rejection,
  rejectionWithoutChange,
  type TestDatabase,
} from '#test/harness';
import { App, AuditEvent, User } from '../../db/entities';
import { sqlStatementsSent } from '../../db/orm';

const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

type ListInput = Parameters<Caller['apps']['list']>[0];

/** Every page of My Apps for `input`, first to last, as the Next button walks them. */
async function walk(caller: Caller, input: ListInput) {
  const pages: Awaited<ReturnType<Caller['apps']['list']>>[] = [];
  let cursor: string | undefined;
  do {
    const page = await caller.apps.list({ ...input, cursor });
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return pages;
}

/** My Apps: one organization's apps, newest first, a page at a time, searchable. Its own database, so lists are exact. */
describe.each(dialects)('apps.list on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let dev2: Caller;
  let organizationId: string;
  const fleet: { id: string; name: string }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    dev2 = await t.as(DEV2);
    organizationId = (await t.db.em().findOneOrFail(User, { email: DEV })).organization!.id;
  });
  afterAll(async () => t?.close());

  /** The organization's live apps as My Apps must order them. */
  async function expectedOrder(): Promise<string[]> {
    const apps = await t.db
      .em()
      .find(
        App,
        { organization: organizationId, deletedAt: null },
        { orderBy: { createdAt: 'desc', id: 'desc' } },
      );
    return apps.map((a) => a.id);
  }

  it('starts empty, with no next page', async () => {
    expect(await dev.apps.list({})).toEqual({ items: [], nextCursor: null });
  });

  it('walks every app once, newest first, apps made in the same instant included', async () => {
    for (let n = 1; n <= 25; n++) {
      const name = `Fleet Tracker ${String(n).padStart(2, '0')}`;
      const app = await dev.apps.create({
        ...base,
        name,
        kind: n % 2 ? 'public' : 'private',
        tenantIds: n === 7 ? ['985798691', '100200300', '5'] : base.tenantIds,
      });
      fleet.push({ id: app.id, name });
    }
    // Ten apps share one moment, across page boundaries: the id settles their order.
    const tie = new Date(Date.now() - 60_000);
    await t.db
      .em()
      .nativeUpdate(App, { id: { $in: fleet.slice(5, 15).map((a) => a.id) } }, { createdAt: tie });

    const pages = await walk(dev, { limit: 4 });
    expect(pages.map((p) => p.items.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const ids = pages.flatMap((p) => p.items.map((a) => a.id));
    expect(ids).toEqual(await expectedOrder());
    expect(new Set(ids).size).toBe(25);
    const created = pages.flatMap((p) => p.items.map((a) => a.createdAt.getTime()));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('shows 20 apps a page unless asked otherwise, and one page when all fit', async () => {
    const first = await dev.apps.list({});
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect((await dev.apps.list({ cursor: first.nextCursor! })).items).toHaveLength(5);
    expect((await dev.apps.list({ limit: 100 })).nextCursor).toBeNull();
  });

  it('costs the same SQL statements on the first page, a late page and a search', async () => {
    const statements = async (input: ListInput) => {
      const before = sqlStatementsSent();
      await dev.apps.list(input);
      return sqlStatementsSent() - before;
    };
    const late = (await walk(dev, { limit: 4 })).at(-2)!.nextCursor!;
    const first = await statements({ limit: 4 });
    expect(await statements({ limit: 4, cursor: late })).toBe(first);
    expect(await statements({ limit: 4, search: 'Tracker 1' })).toBe(first);
  });

  it('summarizes each app: kind, review status, latest version, tenant count', async () => {
    const target = fleet[6]!; // Fleet Tracker 07: public, three tenants
    await dev.apps.saveScopes({ appId: target.id, scopes: ['tn.crm.customers:w'] });
    const items = (await dev.apps.list({ limit: 100 })).items;
    expect(items.find((a) => a.id === target.id)).toMatchObject({
      name: 'Fleet Tracker 07',
      kind: 'public',
      reviewStatus: 'pending',
      latestVersion: 2,
      tenantCount: 3,
    });
    expect(items.find((a) => a.id === fleet[1]!.id)).toMatchObject({
      name: 'Fleet Tracker 02',
      kind: 'private',
      reviewStatus: 'not_required',
      latestVersion: 1,
      tenantCount: 1,
    });
    // A page of apps all without tenants says 0, not nothing.
    const bare = await dev.apps.create({ ...base, name: 'Bare App', tenantIds: [] });
    expect((await dev.apps.list({ search: 'Bare App' })).items).toEqual([
      expect.objectContaining({ id: bare.id, tenantCount: 0 }),
    ]);
    await dev.apps.delete({ appId: bare.id, confirmName: 'Bare App' });
  });

  it('searches by name in any letter case, a page at a time', async () => {
    const pages = await walk(dev, { search: 'Tracker 1', limit: 4 });
    expect(pages.map((p) => p.items.length)).toEqual([4, 4, 2]);
    expect(pages.flatMap((p) => p.items.map((a) => a.name)).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `Fleet Tracker 1${i}`),
    );
    expect((await dev.apps.list({ search: '  Tracker 25  ' })).items.map((a) => a.name)).toEqual([
      'Fleet Tracker 25',
    ]);
    expect((await dev.apps.list({ search: 'fleet tracker 2', limit: 100 })).items).toHaveLength(6);
    expect((await dev.apps.list({ search: 'FLEET TRACKER 25' })).items.map((a) => a.name)).toEqual([
      'Fleet Tracker 25',
    ]);
    expect(await dev.apps.list({ search: 'no such app' })).toEqual({ items: [], nextCursor: null });
  });

  it('treats % and _ in a search as plain characters', async () => {
    const percent = await dev.apps.create({ ...base, name: 'Promo 100% Off' });
    const underscore = await dev.apps.create({ ...base, name: 'Promo_Codes' });
    const found = async (search: string) => (await dev.apps.list({ search })).items.map((a) => a.id);
    const results = {
      percent: await found('%'),
      hundred: await found('100%'),
      underscore: await found('Promo_'),
      backslash: await found('\\'),
    };
    await dev.apps.delete({ appId: percent.id, confirmName: percent.name });
    await dev.apps.delete({ appId: underscore.id, confirmName: underscore.name });
    expect(results).toEqual({
      percent: [percent.id],
      hundred: [percent.id],
      underscore: [underscore.id],
      backslash: [],
    });
  });

  it('finds a name with letters beyond ASCII as it is written, on both databases', async () => {
    const app = await dev.apps.create({ ...base, name: 'École Plomberie' });
    const found = async (search: string) => (await dev.apps.list({ search })).items.map((a) => a.id);
    const results = { exact: await found('École'), rest: await found('cole plomb') };
    await dev.apps.delete({ appId: app.id, confirmName: app.name });
    expect(results).toEqual({ exact: [app.id], rest: [app.id] });
  });

  it('leaves deleted apps out of every page and search', async () => {
    await dev.apps.delete({ appId: fleet[0]!.id, confirmName: fleet[0]!.name });
    const ids = (await walk(dev, { limit: 7 })).flatMap((p) => p.items.map((a) => a.id));
    expect(ids).toHaveLength(24);
    expect(ids).not.toContain(fleet[0]!.id);
    expect((await dev.apps.list({ search: 'Fleet Tracker 01' })).items).toEqual([]);
  });

  it("never shows one organization's apps to another", async () => {
    expect(await dev2.apps.list({ limit: 100 })).toEqual({ items: [], nextCursor: null });
    const theirs = await dev2.apps.create({ ...base, name: 'Fleet Tracker Rival' });
    expect((await dev2.apps.list({ search: 'Fleet' })).items.map((a) => a.id)).toEqual([theirs.id]);
    const ours = (await walk(dev, { limit: 100 })).flatMap((p) => p.items.map((a) => a.id));
    expect(ours).toHaveLength(24);
    expect(ours).not.toContain(theirs.id);
  });

  it('refuses a page link it did not make, or one of another list, and changes nothing', async () => {
    await dev2.apps.create({ ...base, name: 'Second Rival' });
    const theirCursor = (await dev2.apps.list({ limit: 1 })).nextCursor!;
    const otherSearch = (await dev.apps.list({ search: 'Tracker', limit: 2 })).nextCursor!;
    const versionsCursor = await (async () => {
      const app = fleet[6]!; // two versions
      return (await dev.apps.versions({ appId: app.id, limit: 1 })).nextCursor!;
    })();
    const state = async () => ({
      apps: await t.db.em().count(App, {}),
      audit: await t.db.em().count(AuditEvent, {}),
    });
    // The caller's own cursor, edited: its list tag kept, its values no row could hold.
    const [tag, at, id] = JSON.parse(
      Buffer.from((await dev.apps.list({ limit: 1 })).nextCursor!, 'base64url').toString(),
    );
    const edited = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
    for (const [label, input] of [
      ['an id that is no id', { cursor: edited([tag, at, 'nope']) }],
      ['a moment no database holds', { cursor: edited([tag, { d: '+275760-09-13T00:00:00.000Z' }, id]) }],
      ['garbage', { cursor: 'not-a-cursor' }],
      ['valid base64, not a cursor', { cursor: Buffer.from('[1,2]').toString('base64url') }],
      ["another organization's", { cursor: theirCursor }],
      ['another search', { cursor: otherSearch, search: 'Fleet' }],
      ['another search, or none', { cursor: otherSearch }],
      ['version history', { cursor: versionsCursor }],
    ] as const) {
      const failure = await rejectionWithoutChange(state, () => dev.apps.list(input));
      expect(failure.code, label).toBe('BAD_REQUEST');
      expect(failure.message, label).toMatch(/Start again from the first page/);
    }
    // The same cursor continues its own list.
    expect((await dev.apps.list({ cursor: otherSearch, search: 'Tracker', limit: 2 })).items).toHaveLength(2);
  });

  it('refuses paging outside its bounds', async () => {
    for (const input of [
      { limit: 0 },
      { limit: 101 },
      { limit: 1.5 },
      { cursor: '' },
      { cursor: 'has spaces' },
      { search: 'x'.repeat(101) },
    ]) {
      expect((await rejection(dev.apps.list(input))).code, JSON.stringify(input)).toBe('BAD_REQUEST');
    }
  });
});
