import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';

const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

async function codeOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
  if (!(error instanceof TRPCError)) throw error;
  return error.code;
}

/** My Apps: one organization's apps, newest first, paged and searchable. Its own database, so counts are exact. */
describe.each(dialects)('apps.list on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let dev2: Awaited<ReturnType<TestDatabase['as']>>;
  const fleet: { id: string; name: string }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    dev2 = await t.as(DEV2);
  });
  afterAll(async () => t?.close());

  it('starts empty', async () => {
    expect(await dev.apps.list({})).toEqual({ items: [], page: 1, pageSize: 20, totalCount: 0 });
  });

  it('pages 25 apps into 10 + 10 + 5 with no overlap, newest first', async () => {
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
    const pages = await Promise.all([1, 2, 3, 4].map((page) => dev.apps.list({ page, pageSize: 10 })));
    expect(pages.map((p) => p.items.length)).toEqual([10, 10, 5, 0]);
    for (const [index, page] of pages.entries()) {
      expect(page.totalCount).toBe(25);
      expect(page.page).toBe(index + 1);
      expect(page.pageSize).toBe(10);
    }
    const ids = pages.flatMap((p) => p.items.map((a) => a.id));
    expect(new Set(ids).size).toBe(25);
    expect([...ids].sort()).toEqual(fleet.map((a) => a.id).sort());
    const created = pages.flatMap((p) => p.items.map((a) => a.createdAt.getTime()));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // The newest is on the first page, the oldest on the last.
    expect(pages[0]!.items.map((a) => a.id)).toContain(fleet[24]!.id);
    expect(pages[2]!.items.map((a) => a.id)).toContain(fleet[0]!.id);
  });

  it('summarizes each app: kind, review status, latest version, tenant count', async () => {
    const target = fleet[6]!; // Fleet Tracker 07: public, three tenants
    await dev.apps.saveScopes({ appId: target.id, scopes: ['tn.crm.customers:w'] });
    const items = (await dev.apps.list({ pageSize: 100 })).items;
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

  it('searches by name', async () => {
    const result = await dev.apps.list({ search: 'Tracker 1', pageSize: 100 });
    expect(result.totalCount).toBe(10);
    expect(result.items.map((a) => a.name).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `Fleet Tracker 1${i}`),
    );
    expect((await dev.apps.list({ search: '  Tracker 25  ' })).items.map((a) => a.name)).toEqual([
      'Fleet Tracker 25',
    ]);
    expect(await dev.apps.list({ search: 'no such app' })).toMatchObject({ items: [], totalCount: 0 });
    // Search and paging together.
    const second = await dev.apps.list({ search: 'Tracker 1', page: 2, pageSize: 4 });
    expect(second.totalCount).toBe(10);
    expect(second.items).toHaveLength(4);
  });

  it('searches without regard to letter case, on every database', async () => {
    expect((await dev.apps.list({ search: 'fleet tracker 2', pageSize: 100 })).totalCount).toBe(6);
    expect((await dev.apps.list({ search: 'FLEET TRACKER 25' })).items.map((a) => a.name)).toEqual([
      'Fleet Tracker 25',
    ]);
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

  it('leaves deleted apps out of the items and the count', async () => {
    await dev.apps.delete({ appId: fleet[0]!.id, confirmName: fleet[0]!.name });
    const result = await dev.apps.list({ pageSize: 100 });
    expect(result.totalCount).toBe(24);
    expect(result.items.map((a) => a.id)).not.toContain(fleet[0]!.id);
    expect((await dev.apps.list({ search: 'Fleet Tracker 01' })).totalCount).toBe(0);
  });

  it("never shows one organization's apps to another", async () => {
    expect(await dev2.apps.list({ pageSize: 100 })).toMatchObject({ items: [], totalCount: 0 });
    expect((await dev2.apps.list({ search: 'Fleet' })).totalCount).toBe(0);
    const theirs = await dev2.apps.create({ ...base, name: 'Fleet Tracker Rival' });
    expect((await dev2.apps.list({ search: 'Fleet' })).items.map((a) => a.id)).toEqual([theirs.id]);
    const ours = await dev.apps.list({ pageSize: 100 });
    expect(ours.totalCount).toBe(24);
    expect(ours.items.map((a) => a.id)).not.toContain(theirs.id);
  });

  it('refuses paging outside its bounds', async () => {
    for (const input of [
      { page: 0 },
      { pageSize: 0 },
      { pageSize: 101 },
      { page: 1.5 },
      { search: 'x'.repeat(101) },
    ]) {
      expect(await codeOf(dev.apps.list(input)), JSON.stringify(input)).toBe('BAD_REQUEST');
    }
    expect(await dev.apps.list({ page: 99, pageSize: 10 })).toMatchObject({
      items: [],
      totalCount: 24,
      page: 99,
    });
  });
});
