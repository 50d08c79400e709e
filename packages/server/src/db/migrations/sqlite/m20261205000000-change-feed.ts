import { Migration } from '@mikro-orm/migrations';

/**
 * The change feed replaces the access epoch: one event per committed change,
 * which each instance reads from where it left off (src/events/).
 */
export class Migration20261205000000_change_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `change_event` (`seq` integer not null primary key autoincrement, `at` datetime not null, `type` text not null, `audit_id` text null, `app_id` text null, `tenant_id` text null, `environment` text null, `connection_id` text null, `client_id` text null, `data` json null);',
    );
    this.addSql('create index `change_event_at_index` on `change_event` (`at`);');
    this.addSql('drop table if exists `access_epoch`;');
  }

  override async down(): Promise<void> {
    this.addSql(
      'create table `access_epoch` (`id` integer not null primary key autoincrement, `epoch` integer not null);',
    );
    this.addSql('drop table if exists `change_event`;');
  }
}
