import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for keyset paging of the audit trail, newest first (`at desc, id desc`): by organization, app,
 * tenant, actor email and action, each followed by the sort, and the sort alone for the unfiltered trail
 * and a time range. Ending in `id` lets a page start after the last one's row, ties in `at` included,
 * within the index. The old ones ended in `at`. Text compares by bytes (SQLite's BINARY), so a prefix of
 * an actor email or action is a range of these indexes.
 */
export class Migration20261206000200_paging_audit extends Migration {
  override async up(): Promise<void> {
    for (const name of ['organization_id_at', 'app_id_at', 'tenant_id_at', 'at'])
      this.addSql(`drop index \`audit_event_${name}_index\`;`);
    for (const columns of [
      ['organization_id', 'at', 'id'],
      ['app_id', 'at', 'id'],
      ['tenant_id', 'at', 'id'],
      ['actor_email', 'at', 'id'],
      ['action', 'at', 'id'],
      ['at', 'id'],
    ])
      this.addSql(
        `create index \`audit_event_${columns.join('_')}_index\` on \`audit_event\` (${columns.map((c) => `\`${c}\``).join(', ')});`,
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
      this.addSql(`drop index \`audit_event_${name}_index\`;`);
    for (const columns of [['organization_id', 'at'], ['app_id', 'at'], ['tenant_id', 'at'], ['at']])
      this.addSql(
        `create index \`audit_event_${columns.join('_')}_index\` on \`audit_event\` (${columns.map((c) => `\`${c}\``).join(', ')});`,
      );
  }
}
