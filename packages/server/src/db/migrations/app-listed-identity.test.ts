import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';
import { App } from '../entities';
import { DEV, REVIEWER, dialects, openTestDatabase, type TestDatabase } from '../../test/harness';
import { Migration20261202030100_app_listed_identity as SqliteMigration } from './sqlite/m20261202030100-app-listed-identity';
import { Migration20261202030100_app_listed_identity as PostgresMigration } from './postgresql/m20261202030100-app-listed-identity';

const base = { homePageUrl: 'https://acme.example', tenantIds: ['985798691'], credentialsMode: 'tenant_admin' as const, scopes: ['tn.crm.customers:r'] };

describe.each(dialects)('the app-listed-identity migration on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  /** Runs one direction of the migration's SQL against the test database. */
  async function run(direction: 'up' | 'down') {
    const Class = dialect === 'sqlite' ? SqliteMigration : PostgresMigration;
    const migration: Migration = new Class(t.db.orm.em.getDriver() as AbstractSqlDriver, t.db.orm.config);
    await migration[direction]();
    const conn = t.db.em().getConnection();
    for (const query of migration.getQueries()) await conn.execute(query as string);
  }

  it('lists the apps tenants see today under their current identity, and no public app still waiting', async () => {
    const dev = await t.as(DEV);
    const reviewer = await t.as(REVIEWER);
    const privateApp = await dev.apps.create({ ...base, name: 'Migrated Private', kind: 'private' });
    const approved = await dev.apps.create({ ...base, name: 'Migrated Approved', kind: 'public' });
    await reviewer.review.approve({ appId: approved.id });
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
});
