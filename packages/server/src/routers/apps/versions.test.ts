import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
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
});
