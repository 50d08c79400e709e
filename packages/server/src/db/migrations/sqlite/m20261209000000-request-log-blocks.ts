import { Migration } from '@mikro-orm/migrations';

/**
 * The request log becomes a block of lines per row (see src/requests/blocks.ts): a row and its index
 * entries for up to a thousand calls instead of for each one. Every line kept so far moves over as a block
 * of its own.
 */
export class Migration20261209000000_request_log_blocks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      "create table `request_log_block` (`id` integer not null primary key autoincrement, `app_id` text not null, `tenant_id` text null, `environment` text check (`environment` in ('integration', 'production')) not null, `first_at` datetime not null, `last_at` datetime not null, `statuses` integer not null, `kinds` integer not null, `error_codes` text not null, `routes` text not null, `lines` text not null);",
    );
    this.addSql(
      "insert into `request_log_block` (`app_id`, `tenant_id`, `environment`, `first_at`, `last_at`, `statuses`, `kinds`, `error_codes`, `routes`, `lines`) select `app_id`, `tenant_id`, `environment`, `at`, `at`, 1 << (`status` / 100), case `kind` when 'api' then 1 else 2 end, coalesce(',' || `error_code` || ',', ''), char(10) || `kind` || char(9) || `method` || char(9) || `route` || char(10), json_array(json_array(0, `request_id`, 0, `status`, `error_code`, cast(round(`latency_ms` * 1000) as integer))) from `request_log` order by `at`, `id`;",
    );
    this.addSql('create index `request_log_block_last_at_index` on `request_log_block` (`last_at`);');
    this.addSql(
      'create index `request_log_block_app_id_last_at_index` on `request_log_block` (`app_id`, `last_at`);',
    );
    this.addSql(
      'create index `request_log_block_app_id_tenant_id_last_at_index` on `request_log_block` (`app_id`, `tenant_id`, `last_at`);',
    );
    this.addSql('drop table if exists `request_log`;');
  }

  /** Back to a row per line, empty: the blocks' lines are not taken apart again. */
  override async down(): Promise<void> {
    this.addSql(
      "create table `request_log` (`id` text not null, `at` datetime not null, `request_id` text not null, `kind` text check (`kind` in ('api', 'token')) not null, `app_id` text not null, `tenant_id` text null, `environment` text check (`environment` in ('integration', 'production')) not null, `method` text not null, `route` text not null, `status` integer not null, `error_code` text null, `latency_ms` double not null, primary key (`id`));",
    );
    this.addSql('create index `request_log_app_id_at_id_index` on `request_log` (`app_id`, `at`, `id`);');
    this.addSql(
      'create index `request_log_app_id_tenant_id_at_id_index` on `request_log` (`app_id`, `tenant_id`, `at`, `id`);',
    );
    this.addSql('drop table if exists `request_log_block`;');
  }
}
