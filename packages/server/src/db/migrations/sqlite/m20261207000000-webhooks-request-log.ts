import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks, the request log and the advisor: a durable cursor on the change
 * feed for the webhook fan-out; endpoints, the delivery queue and its attempts;
 * the request log's lines; latency buckets and scope use per day; and the
 * first rate-limit refusal of each day.
 */
export class Migration20261207000000_webhooks_request_log extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`feed_cursor\` (\`consumer\` text not null, \`seq\` bigint not null, \`missing\` json not null, \`updated_at\` datetime not null, primary key (\`consumer\`));`,
    );

    this.addSql(
      `create table \`latency_daily\` (\`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`endpoint\` text not null, \`day\` text not null, \`bucket\` integer not null, \`calls\` integer not null, primary key (\`app_id\`, \`tenant_id\`, \`environment\`, \`endpoint\`, \`day\`, \`bucket\`));`,
    );

    this.addSql(
      `create table \`rate_limit_hit\` (\`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text not null, \`day\` text not null, \`at\` datetime not null, primary key (\`app_id\`, \`tenant_id\`, \`environment\`, \`day\`));`,
    );

    this.addSql(
      `create table \`request_log\` (\`id\` text not null, \`at\` datetime not null, \`request_id\` text not null, \`kind\` text check (\`kind\` in ('api', 'token')) not null, \`app_id\` text not null, \`tenant_id\` text null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`method\` text not null, \`route\` text not null, \`status\` integer not null, \`error_code\` text null, \`latency_ms\` double not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`request_log_app_id_at_id_index\` on \`request_log\` (\`app_id\`, \`at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`request_log_app_id_tenant_id_at_id_index\` on \`request_log\` (\`app_id\`, \`tenant_id\`, \`at\`, \`id\`);`,
    );
    this.addSql(`create index \`request_log_at_index\` on \`request_log\` (\`at\`);`);

    this.addSql(
      `create table \`scope_use\` (\`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text not null, \`scope\` text not null, \`last_used_at\` datetime not null, primary key (\`app_id\`, \`tenant_id\`, \`environment\`, \`scope\`));`,
    );

    this.addSql(
      `create table \`webhook_endpoint\` (\`id\` text not null, \`app_id\` text not null, \`url\` text not null, \`event_types\` json not null, \`status\` text check (\`status\` in ('active', 'disabled')) not null, \`disabled_reason\` text check (\`disabled_reason\` in ('developer', 'failing')) null, \`secret\` text not null, \`secret_start\` text not null, \`previous_secret\` text null, \`previous_secret_expires_at\` datetime null, \`failing_since\` datetime null, \`failure_streak\` integer not null default 0, \`paused_until\` datetime null, \`revision\` integer not null default 1, \`created_by_id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`webhook_endpoint_app_id_foreign\` foreign key(\`app_id\`) references \`app\`(\`id\`) on delete cascade on update cascade, constraint \`webhook_endpoint_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`app_user\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`webhook_endpoint_app_id_index\` on \`webhook_endpoint\` (\`app_id\`);`);
    this.addSql(
      `create index \`webhook_endpoint_created_by_id_index\` on \`webhook_endpoint\` (\`created_by_id\`);`,
    );
    this.addSql(
      `create index \`webhook_endpoint_app_id_created_at_id_index\` on \`webhook_endpoint\` (\`app_id\`, \`created_at\`, \`id\`);`,
    );

    this.addSql(
      `create table \`webhook_delivery\` (\`id\` text not null, \`endpoint_id\` text not null, \`app_id\` text not null, \`message_id\` text not null, \`event_type\` text not null, \`event_seq\` bigint null, \`payload\` json not null, \`status\` text check (\`status\` in ('pending', 'succeeded', 'failed')) not null, \`attempts\` integer not null default 0, \`next_attempt_at\` datetime null, \`locked_until\` datetime null, \`last_attempt_at\` datetime null, \`last_status\` integer null, \`created_at\` datetime not null, constraint \`webhook_delivery_endpoint_id_foreign\` foreign key(\`endpoint_id\`) references \`webhook_endpoint\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`webhook_delivery_endpoint_id_index\` on \`webhook_delivery\` (\`endpoint_id\`);`,
    );
    this.addSql(
      `create index \`webhook_delivery_status_next_attempt_at_index\` on \`webhook_delivery\` (\`status\`, \`next_attempt_at\`);`,
    );
    this.addSql(
      `create index \`webhook_delivery_endpoint_id_created_at_id_index\` on \`webhook_delivery\` (\`endpoint_id\`, \`created_at\`, \`id\`);`,
    );
    this.addSql(
      `create index \`webhook_delivery_created_at_index\` on \`webhook_delivery\` (\`created_at\`);`,
    );
    this.addSql(
      `create unique index \`webhook_delivery_endpoint_id_event_seq_unique\` on \`webhook_delivery\` (\`endpoint_id\`, \`event_seq\`);`,
    );

    this.addSql(
      `create table \`webhook_attempt\` (\`id\` text not null, \`delivery_id\` text not null, \`endpoint_id\` text not null, \`at\` datetime not null, \`status\` integer null, \`error\` text null, \`duration_ms\` integer not null, \`response_excerpt\` text null, constraint \`webhook_attempt_delivery_id_foreign\` foreign key(\`delivery_id\`) references \`webhook_delivery\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`webhook_attempt_delivery_id_index\` on \`webhook_attempt\` (\`delivery_id\`);`,
    );
    this.addSql(
      `create index \`webhook_attempt_delivery_id_at_index\` on \`webhook_attempt\` (\`delivery_id\`, \`at\`);`,
    );
  }

  override async down(): Promise<void> {
    for (const table of [
      'webhook_attempt',
      'webhook_delivery',
      'webhook_endpoint',
      'scope_use',
      'request_log',
      'rate_limit_hit',
      'latency_daily',
      'feed_cursor',
    ])
      this.addSql(`drop table if exists \`${table}\`;`);
  }
}
