import { Migration } from '@mikro-orm/migrations';

/**
 * Whether an app was ever approved is recorded, not inferred from its listed
 * identity: a never-approved private app turned public keeps the identity its
 * tenants saw, yet stays hidden from new tenants until approval. Apps that count
 * as approved today get their last review time.
 */
export class Migration20261202034500_app_first_approved_at extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`app\` add column \`first_approved_at\` datetime null;`);
    this.addSql(
      `update \`app\` set \`first_approved_at\` = coalesce(\`reviewed_at\`, \`updated_at\`) where \`listed_name\` is not null and \`review_status\` <> 'not_required';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`app\` drop column \`first_approved_at\`;`);
  }
}
