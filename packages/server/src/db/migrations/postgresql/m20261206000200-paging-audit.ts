import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for keyset paging of the audit trail, newest first (`at desc, id desc`): by organization, app,
 * tenant, actor email and action, each followed by the sort, and the sort alone for the unfiltered trail
 * and a time range. Ending in `id` lets a page start after the last one's row, ties in `at` included,
 * within the index. The old ones ended in `at`. The actor email and action are indexed in the "C"
 * collation (byte order, whatever the database's own), so that a prefix is one range of the index and
 * nothing but the values that start with it.
 */
export class Migration20261206000200_paging_audit extends Migration {
  override async up(): Promise<void> {
    // Milliseconds, as the page cursors keep them (see the paging-access migration).
    this.addSql(`alter table "audit_event" alter column "at" type timestamptz(3);`);
    for (const name of ['organization_id_at', 'app_id_at', 'tenant_id_at', 'at'])
      this.addSql(`drop index "audit_event_${name}_index";`);
    for (const columns of [
      ['organization_id', 'at', 'id'],
      ['app_id', 'at', 'id'],
      ['tenant_id', 'at', 'id'],
      ['actor_email', 'at', 'id'],
      ['action', 'at', 'id'],
      ['at', 'id'],
    ])
      this.addSql(
        `create index "audit_event_${columns.join('_')}_index" on "audit_event" (${columns.map(column).join(', ')});`,
      );
  }

  override async down(): Promise<void> {
    for (const name of [
      'organization_id_at_id',
      'app_id_at_id',
      'tenant_id_at_id',
      'actor_email_at_id',
      'action_at_id',
      'at_id',
    ])
      this.addSql(`drop index "audit_event_${name}_index";`);
    for (const columns of [['organization_id', 'at'], ['app_id', 'at'], ['tenant_id', 'at'], ['at']])
      this.addSql(
        `create index "audit_event_${columns.join('_')}_index" on "audit_event" (${columns.map((c) => `"${c}"`).join(', ')});`,
      );
    this.addSql(`alter table "audit_event" alter column "at" type timestamptz;`);
  }
}

/** A column of an index; the text ones compared by prefix in byte order. */
const column = (name: string) =>
  name === 'actor_email' || name === 'action' ? `"${name}" collate "C"` : `"${name}"`;
