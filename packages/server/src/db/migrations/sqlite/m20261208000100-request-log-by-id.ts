import { Migration } from '@mikro-orm/migrations';

/** The request log is pruned along its primary key (ids begin with the time): the index on `at` only slowed writes. */
export class Migration20261208000100_request_log_by_id extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index if exists `request_log_at_index`;');
  }

  override async down(): Promise<void> {
    this.addSql('create index `request_log_at_index` on `request_log` (`at`);');
  }
}
