import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, runMigration, type TestDatabase } from '#test/harness';
import { Migration20261206000200_paging_audit as PostgresMigration } from './postgresql/m20261206000200-paging-audit';
import { Migration20261206000200_paging_audit as SqliteMigration } from './sqlite/m20261206000200-paging-audit';

const PAGING = [
  'audit_event_action_at_id_index',
  'audit_event_actor_email_at_id_index',
  'audit_event_app_id_at_id_index',
  'audit_event_at_id_index',
  'audit_event_organization_id_at_id_index',
  'audit_event_tenant_id_at_id_index',
];
const BEFORE = [
  'audit_event_app_id_at_index',
  'audit_event_at_index',
  'audit_event_organization_id_at_index',
  'audit_event_tenant_id_at_index',
];

describe.each(dialects)('the paging-audit migration on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const run = (direction: 'up' | 'down') =>
    runMigration(t, { sqlite: SqliteMigration, postgresql: PostgresMigration }, direction);

  /** The audit trail's indexes and how each is defined. */
  async function indexes(): Promise<Record<string, string>> {
    const rows: { name: string; definition: string }[] = await t.db
      .em()
      .getConnection()
      .execute(
        dialect === 'sqlite'
          ? `select name, sql as definition from sqlite_master where type = 'index' and tbl_name = 'audit_event' and sql is not null`
          : `select indexname as name, indexdef as definition from pg_indexes where tablename = 'audit_event' and indexname <> 'audit_event_pkey'`,
      );
    return Object.fromEntries(rows.map((row) => [row.name, row.definition]));
  }

  it('replaces the indexes ending in the time with ones ending in the time and id, and back', async () => {
    const after = await indexes();
    expect(Object.keys(after).sort()).toEqual(PAGING);
    if (dialect === 'postgresql') {
      // Prefixes of these two are compared in byte order, whatever the database's collation.
      expect(after.audit_event_actor_email_at_id_index).toContain('actor_email COLLATE "C", at, id');
      expect(after.audit_event_action_at_id_index).toContain('action COLLATE "C", at, id');
    }
    await run('down');
    expect(Object.keys(await indexes()).sort()).toEqual(BEFORE);
    await run('up');
    expect(await indexes()).toEqual(after);
  });
});
