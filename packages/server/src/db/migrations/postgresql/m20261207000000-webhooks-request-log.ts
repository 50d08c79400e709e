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
      `create table "feed_cursor" ("consumer" varchar(64) not null, "seq" bigint not null, "missing" jsonb not null, "updated_at" timestamptz not null, constraint "feed_cursor_pkey" primary key ("consumer"));`,
    );

    this.addSql(
      `create table "latency_daily" ("app_id" varchar(36) not null, "tenant_id" varchar(18) not null, "environment" text check ("environment" in ('integration', 'production')) not null, "endpoint" varchar(120) not null, "day" varchar(10) not null, "bucket" int not null, "calls" int not null, constraint "latency_daily_pkey" primary key ("app_id", "tenant_id", "environment", "endpoint", "day", "bucket"));`,
    );

    this.addSql(
      `create table "rate_limit_hit" ("app_id" varchar(36) not null, "tenant_id" varchar(18) not null, "environment" varchar(16) not null, "day" varchar(10) not null, "at" timestamptz not null, constraint "rate_limit_hit_pkey" primary key ("app_id", "tenant_id", "environment", "day"));`,
    );

    this.addSql(
      `create table "request_log" ("id" uuid not null, "at" timestamptz(3) not null, "request_id" varchar(64) not null, "kind" text check ("kind" in ('api', 'token')) not null, "app_id" varchar(36) not null, "tenant_id" varchar(18) null, "environment" text check ("environment" in ('integration', 'production')) not null, "method" varchar(10) not null, "route" varchar(200) not null, "status" int not null, "error_code" varchar(40) null, "latency_ms" double precision not null, constraint "request_log_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "request_log_app_id_at_id_index" on "request_log" ("app_id", "at", "id");`);
    this.addSql(
      `create index "request_log_app_id_tenant_id_at_id_index" on "request_log" ("app_id", "tenant_id", "at", "id");`,
    );
    this.addSql(`create index "request_log_at_index" on "request_log" ("at");`);

    this.addSql(
      `create table "scope_use" ("app_id" varchar(36) not null, "tenant_id" varchar(18) not null, "environment" varchar(16) not null, "scope" varchar(80) not null, "last_used_at" timestamptz not null, constraint "scope_use_pkey" primary key ("app_id", "tenant_id", "environment", "scope"));`,
    );

    this.addSql(
      `create table "webhook_endpoint" ("id" uuid not null, "app_id" uuid not null, "url" varchar(2048) not null, "event_types" jsonb not null, "status" text check ("status" in ('active', 'disabled')) not null, "disabled_reason" text check ("disabled_reason" in ('developer', 'failing')) null, "secret" varchar(100) not null, "secret_start" varchar(16) not null, "previous_secret" varchar(100) null, "previous_secret_expires_at" timestamptz null, "failing_since" timestamptz null, "failure_streak" int not null default 0, "paused_until" timestamptz(3) null, "revision" int not null default 1, "created_by_id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz not null, constraint "webhook_endpoint_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_endpoint_app_id_created_at_id_index" on "webhook_endpoint" ("app_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "webhook_delivery" ("id" uuid not null, "endpoint_id" uuid not null, "app_id" varchar(36) not null, "message_id" varchar(64) not null, "event_type" varchar(64) not null, "event_seq" bigint null, "payload" jsonb not null, "status" text check ("status" in ('pending', 'succeeded', 'failed')) not null, "attempts" int not null default 0, "next_attempt_at" timestamptz(3) null, "locked_until" timestamptz(3) null, "last_attempt_at" timestamptz null, "last_status" int null, "created_at" timestamptz(3) not null, constraint "webhook_delivery_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_delivery_status_next_attempt_at_index" on "webhook_delivery" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `create index "webhook_delivery_endpoint_id_created_at_id_index" on "webhook_delivery" ("endpoint_id", "created_at", "id");`,
    );
    this.addSql(`create index "webhook_delivery_created_at_index" on "webhook_delivery" ("created_at");`);
    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_endpoint_id_event_seq_unique" unique ("endpoint_id", "event_seq");`,
    );

    this.addSql(
      `create table "webhook_attempt" ("id" uuid not null, "delivery_id" uuid not null, "endpoint_id" varchar(36) not null, "at" timestamptz(3) not null, "status" int null, "error" varchar(200) null, "duration_ms" int not null, "response_excerpt" varchar(1000) null, constraint "webhook_attempt_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_attempt_delivery_id_at_index" on "webhook_attempt" ("delivery_id", "at");`,
    );

    this.addSql(
      `alter table "webhook_endpoint" add constraint "webhook_endpoint_app_id_foreign" foreign key ("app_id") references "app" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_endpoint" add constraint "webhook_endpoint_created_by_id_foreign" foreign key ("created_by_id") references "app_user" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoint" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_attempt" add constraint "webhook_attempt_delivery_id_foreign" foreign key ("delivery_id") references "webhook_delivery" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "webhook_delivery" drop constraint "webhook_delivery_endpoint_id_foreign";`);

    this.addSql(`alter table "webhook_attempt" drop constraint "webhook_attempt_delivery_id_foreign";`);

    this.addSql(`drop table if exists "feed_cursor" cascade;`);

    this.addSql(`drop table if exists "latency_daily" cascade;`);

    this.addSql(`drop table if exists "rate_limit_hit" cascade;`);

    this.addSql(`drop table if exists "request_log" cascade;`);

    this.addSql(`drop table if exists "scope_use" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoint" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery" cascade;`);

    this.addSql(`drop table if exists "webhook_attempt" cascade;`);
  }
}
