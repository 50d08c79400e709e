import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for keyset paging of the developer portal's lists. My Apps reads an
 * organization's live apps newest first from one partial index (deleted apps
 * are never listed), which replaces the index on (organization, created).
 * Version history, View Connections and the usage report read the unique
 * indexes that already exist.
 */
export class Migration20261206000000_paging_apps extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index \`app_organization_live_index\` on \`app\` (\`organization_id\`, \`created_at\`, \`id\`) where \`deleted_at\` is null;`,
    );
    this.addSql(`drop index \`app_organization_id_created_at_index\`;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index \`app_organization_id_created_at_index\` on \`app\` (\`organization_id\`, \`created_at\`);`,
    );
    this.addSql(`drop index \`app_organization_live_index\`;`);
  }
}
