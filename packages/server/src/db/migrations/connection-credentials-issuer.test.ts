import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Migration } from '@mikro-orm/migrations';
import { App, Connection } from '../entities';
import { ADMIN, DEV, dialects, openTestDatabase, type Caller, type TestDatabase } from '../../test/harness';
import { Migration20261202030000_connection_credentials_issuer as SqliteMigration } from './sqlite/m20261202030000-connection-credentials-issuer';
import { Migration20261202030000_connection_credentials_issuer as PostgresMigration } from './postgresql/m20261202030000-connection-credentials-issuer';

const TENANT = '985798691';
const base = { homePageUrl: 'https://acme.example', tenantIds: [TENANT], kind: 'private' as const, scopes: ['tn.crm.customers:r'] };

describe.each(dialects)('the credentials-issuer migration on %s', (dialect) => {
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

  it('gives each existing connection its app’s credentials mode at migration time', async () => {
    const dev: Caller = await t.as(DEV);
    const admin: Caller = await t.as(ADMIN);
    const ids: Record<string, string> = {};
    for (const mode of ['tenant_admin', 'developer'] as const) {
      const app = await dev.apps.create({ ...base, name: `Migrated ${mode}`, credentialsMode: mode });
      ids[mode] = (await admin.connections.allow({ tenantId: TENANT, environment: 'integration', appId: app.id })).connection.id;
    }

    // Before this migration only the app's mode existed; one app switched after its connection was allowed.
    await run('down');
    await t.db.em().nativeUpdate(App, { name: 'Migrated tenant_admin' }, { credentialsMode: 'developer' });
    await t.db.em().nativeUpdate(App, { name: 'Migrated developer' }, { credentialsMode: 'tenant_admin' });
    await run('up');

    const issuers = Object.fromEntries((await t.db.em().find(Connection, { id: { $in: Object.values(ids) } })).map((c) => [c.id, c.credentialsIssuer]));
    expect(issuers).toEqual({ [ids.tenant_admin!]: 'developer', [ids.developer!]: 'tenant_admin' });
  });
});
