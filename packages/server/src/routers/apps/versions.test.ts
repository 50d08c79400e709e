import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, DEV2, dialects, openTestDatabase, rejection, type TestDatabase } from '#test/harness';
import { App, AppVersion } from '../../db/entities';

const base = {
  name: 'Dispatch Sync',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private' as const,
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

describe.each(dialects)('versions on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('makes contiguous versions when many saves race, and keeps the app key', async () => {
    const dev = await t.as(DEV);
    const app = await dev.apps.create(base);
    const extra = [
      'tn.acc.invoices:r',
      'tn.acc.payments:r',
      'tn.crm.leads:r',
      'tn.settings.employees:r',
      'tn.telecom.calls:r',
      'tn.crm.locations:r',
      'tn.acc.bills:r',
      'tn.jpm.jobs:r',
    ];
    const results = await Promise.all(
      extra.map(async (scope) =>
        (await t.as(DEV)).apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r', scope] }),
      ),
    );
    expect(results.every((r) => r.changed)).toBe(true);
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const numbers = (await t.db.em().find(AppVersion, { app: app.id }, { orderBy: { number: 'asc' } })).map(
      (v) => v.number,
    );
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const after = await dev.apps.get({ appId: app.id });
    expect(after.latestVersion).toBe(9);
    expect(after.appKey).toBe(app.appKey);
  });

  it('makes exactly one version when identical saves race', async () => {
    const dev = await t.as(DEV);
    const app = await dev.apps.create(base);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'] }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.every((r) => r.version === 2)).toBe(true);
    expect((await t.db.em().findOneOrFail(App, { id: app.id })).latestVersion).toBe(2);
  });

  it('pages the history newest first, each version with its change against the one before', async () => {
    const dev = await t.as(DEV);
    const app = await dev.apps.create({ ...base, name: 'Long History' });
    // Versions 2–12 each add one scope to version 1's, or take it away again: every change is known.
    const extra = ['tn.acc.invoices:r', 'tn.acc.payments:r', 'tn.crm.leads:r', 'tn.jpm.jobs:r'];
    const scopesOf = (n: number) => (n === 1 ? base.scopes : [...base.scopes, extra[n % extra.length]!]);
    for (let n = 2; n <= 12; n++) await dev.apps.saveScopes({ appId: app.id, scopes: scopesOf(n) });

    const pages: Awaited<ReturnType<typeof dev.apps.versions>>[] = [];
    let cursor: string | undefined;
    do {
      const page = await dev.apps.versions({ appId: app.id, limit: 5, cursor });
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.items.map((v) => v.number))).toEqual([
      [12, 11, 10, 9, 8],
      [7, 6, 5, 4, 3],
      [2, 1],
    ]);
    const versions = pages.flatMap((p) => p.items);
    for (const version of versions) {
      const before = version.number === 1 ? [] : scopesOf(version.number - 1);
      const after = scopesOf(version.number);
      expect([...version.scopes].sort(), `version ${version.number}`).toEqual([...after].sort());
      expect(version.added, `version ${version.number}`).toEqual(after.filter((s) => !before.includes(s)));
      expect(version.removed, `version ${version.number}`).toEqual(before.filter((s) => !after.includes(s)));
    }
    // A page of the default size holds them all.
    expect((await dev.apps.versions({ appId: app.id })).items.map((v) => v.number)).toHaveLength(12);
  });

  it("refuses another list's page link, and another organization's app, as before", async () => {
    const dev = await t.as(DEV);
    const first = await dev.apps.create({ ...base, name: 'First History' });
    const second = await dev.apps.create({ ...base, name: 'Second History' });
    for (const app of [first, second])
      await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:w'] });
    const cursor = (await dev.apps.versions({ appId: first.id, limit: 1 })).nextCursor!;
    expect(
      (await dev.apps.versions({ appId: first.id, limit: 1, cursor })).items.map((v) => v.number),
    ).toEqual([1]);
    for (const bad of [cursor.slice(1), 'garbage', (await dev.apps.list({ limit: 1 })).nextCursor!]) {
      const failure = await rejection(dev.apps.versions({ appId: first.id, cursor: bad }));
      expect(failure).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/first page/) });
    }
    const failure = await rejection(dev.apps.versions({ appId: second.id, cursor }));
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/another list/) });
    expect((await rejection((await t.as(DEV2)).apps.versions({ appId: first.id, cursor }))).code).toBe(
      'NOT_FOUND',
    );
    for (const limit of [0, 101])
      expect((await rejection(dev.apps.versions({ appId: first.id, limit }))).code).toBe('BAD_REQUEST');
  });
});
