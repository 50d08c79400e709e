import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveAsShown,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  runMigration,
  type TestDatabase,
} from '#test/harness';
import { App } from '../entities';
import { Migration20261202030100_app_listed_identity as PostgresMigration } from './postgresql/m20261202030100-app-listed-identity';
import { Migration20261206000100_paging_access as PostgresPagingAccess } from './postgresql/m20261206000100-paging-access';
import { Migration20261202030100_app_listed_identity as SqliteMigration } from './sqlite/m20261202030100-app-listed-identity';
import { Migration20261206000100_paging_access as SqlitePagingAccess } from './sqlite/m20261206000100-paging-access';

const base = {
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  credentialsMode: 'tenant_admin' as const,
  scopes: ['tn.crm.customers:r'],
};

describe.each(dialects)('the app-listed-identity migration on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  // A later migration indexes the listed identity: it steps back first and forward last, as a rollback would.
  const run = async (direction: 'up' | 'down') => {
    const later = { sqlite: SqlitePagingAccess, postgresql: PostgresPagingAccess };
    if (direction === 'down') await runMigration(t, later, 'down');
    await runMigration(t, { sqlite: SqliteMigration, postgresql: PostgresMigration }, direction);
    if (direction === 'up') await runMigration(t, later, 'up');
  };

  it('lists the apps tenants see today under their current identity, and no public app still waiting', async () => {
    const dev = await t.as(DEV);
    const reviewer = await t.as(REVIEWER);
    const privateApp = await dev.apps.create({ ...base, name: 'Migrated Private', kind: 'private' });
    const approved = await dev.apps.create({ ...base, name: 'Migrated Approved', kind: 'public' });
    await approveAsShown(reviewer, approved.id);
    const waiting = await dev.apps.create({ ...base, name: 'Migrated Waiting', kind: 'public' });

    // Before: a typed organization name, nothing listed; the approved app was renamed since its approval.
    await run('down');
    const conn = t.db.em().getConnection();
    const before = await conn.execute(`select organization_name from app where id = '${privateApp.id}'`);
    expect(before).toEqual([{ organization_name: 'Acme Field Apps' }]);
    await conn.execute(`update app set name = 'Renamed Before Upgrade' where id = '${approved.id}'`);
    await run('up');

    const apps = await t.db.em().find(App, { id: { $in: [privateApp.id, approved.id, waiting.id] } });
    const listed = Object.fromEntries(apps.map((a) => [a.id, [a.listedName, a.listedHomePageUrl]]));
    expect(listed).toEqual({
      [privateApp.id]: ['Migrated Private', 'https://acme.example'],
      [approved.id]: ['Renamed Before Upgrade', 'https://acme.example'],
      [waiting.id]: [null, null],
    });
    const [row] = await conn.execute(`select * from app where id = '${privateApp.id}'`);
    expect(Object.keys(row as object)).not.toContain('organization_name');
  });

  it('lists an approved app renamed since its approval under its approved identity and sends the new one to review', async () => {
    const dev = await t.as(DEV);
    const reviewer = await t.as(REVIEWER);
    const renamed = await dev.apps.create({ ...base, name: 'Approved Fleet', kind: 'public' });
    await approveAsShown(reviewer, renamed.id);
    // First the home page changes, then the name: the reviewer approved neither.
    const edit = { appId: renamed.id, kind: 'public' as const, credentialsMode: base.credentialsMode };
    await dev.apps.updateDetails({
      ...edit,
      name: 'Approved Fleet',
      homePageUrl: 'https://elsewhere.example',
    });
    await dev.apps.updateDetails({
      ...edit,
      name: 'Another Org Fleet',
      homePageUrl: 'https://elsewhere.example',
    });
    const renamedBeforeApproval = await dev.apps.create({ ...base, name: 'Draft Name', kind: 'public' });
    await dev.apps.updateDetails({
      appId: renamedBeforeApproval.id,
      kind: 'public',
      credentialsMode: base.credentialsMode,
      name: 'Reviewed Name',
      homePageUrl: base.homePageUrl,
    });
    await approveAsShown(reviewer, renamedBeforeApproval.id);

    // Before this migration an approved app stayed approved through any edit.
    await run('down');
    await t.db.em().nativeUpdate(App, { id: renamed.id }, { reviewStatus: 'approved' });
    const upgradedAt = Date.now();
    await run('up');

    const apps = await t.db.em().find(App, { id: { $in: [renamed.id, renamedBeforeApproval.id] } });
    const seen = Object.fromEntries(
      apps.map((a) => [
        a.id,
        {
          listed: [a.listedName, a.listedHomePageUrl],
          current: [a.name, a.homePageUrl],
          reviewStatus: a.reviewStatus,
        },
      ]),
    );
    expect(seen).toEqual({
      [renamed.id]: {
        listed: ['Approved Fleet', 'https://acme.example'],
        current: ['Another Org Fleet', 'https://elsewhere.example'],
        reviewStatus: 'pending',
      },
      [renamedBeforeApproval.id]: {
        listed: ['Reviewed Name', 'https://acme.example'],
        current: ['Reviewed Name', 'https://acme.example'],
        reviewStatus: 'approved',
      },
    });
    // A reviewer finds the change in the queue as just submitted.
    const submittedAt = apps.find((a) => a.id === renamed.id)!.submittedAt!.getTime();
    expect(Math.abs(submittedAt - upgradedAt)).toBeLessThan(60_000);
  });
});
