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

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(
      `create table \`change_event__temp_alter\` (\`seq\` integer not null primary key autoincrement, \`at\` datetime not null, \`type\` text not null, \`audit_id\` text null, \`app_id\` text null, \`tenant_id\` text null, \`environment\` text null, \`connection_id\` text null, \`client_id\` text null, \`data\` json null);`,
    );
    this.addSql(
      `insert into \`change_event__temp_alter\` select \`seq\`, \`at\`, \`type\`, \`audit_id\`, \`app_id\`, \`tenant_id\`, \`environment\`, \`connection_id\`, \`client_id\`, \`data\` from \`change_event\`;`,
    );
    this.addSql(`drop table \`change_event\`;`);
    this.addSql(`alter table \`change_event__temp_alter\` rename to \`change_event\`;`);
    this.addSql(`create index \`change_event_at_index\` on \`change_event\` (\`at\`);`);
    this.addSql(`pragma foreign_keys = on;pragma foreign_keys = off;`);
    this.addSql(
      `create table \`app__temp_alter\` (\`id\` text not null, \`organization_id\` text not null, \`name\` text not null, \`home_page_url\` text not null, \`listed_name\` text null, \`listed_home_page_url\` text null, \`kind\` text check (\`kind\` in ('public', 'private')) not null, \`credentials_mode\` text check (\`credentials_mode\` in ('tenant_admin', 'developer')) not null, \`review_status\` text check (\`review_status\` in ('not_required', 'pending', 'approved', 'rejected')) not null, \`review_reason\` text null, \`submitted_at\` datetime null, \`reviewed_at\` datetime null, \`reviewed_by_id\` text null, \`first_approved_at\` datetime null, \`app_key\` text not null, \`latest_version\` integer not null, \`revision\` integer not null default 1, \`created_by_id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`deleted_at\` datetime null, constraint \`app_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on update cascade, constraint \`app_reviewed_by_id_foreign\` foreign key(\`reviewed_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, constraint \`app_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`app_user\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `insert into \`app__temp_alter\` select \`id\`, \`organization_id\`, \`name\`, \`home_page_url\`, \`listed_name\`, \`listed_home_page_url\`, \`kind\`, \`credentials_mode\`, \`review_status\`, \`review_reason\`, \`submitted_at\`, \`reviewed_at\`, \`reviewed_by_id\`, \`first_approved_at\`, \`app_key\`, \`latest_version\`, \`revision\`, \`created_by_id\`, \`created_at\`, \`updated_at\`, \`deleted_at\` from \`app\`;`,
    );
    this.addSql(`drop table \`app\`;`);
    this.addSql(`alter table \`app__temp_alter\` rename to \`app\`;`);
    this.addSql(`create index \`app_organization_id_index\` on \`app\` (\`organization_id\`);`);
    this.addSql(`create index \`app_reviewed_by_id_index\` on \`app\` (\`reviewed_by_id\`);`);
    this.addSql(`create unique index \`app_app_key_unique\` on \`app\` (\`app_key\`);`);
    this.addSql(`create index \`app_created_by_id_index\` on \`app\` (\`created_by_id\`);`);
    this.addSql(
      `create index "app_organization_live_index" on "app" ("organization_id", "created_at", "id") where "deleted_at" is null;`,
    );
    this.addSql(
      `create index \`app_review_status_submitted_at_id_index\` on \`app\` (\`review_status\`, \`submitted_at\`, \`id\`);`,
    );
    this.addSql(
      `create index app_tenant_facing_name_index on app (lower(case when listed_name is not null and listed_home_page_url is not null then listed_name else name end), id);`,
    );
    this.addSql(`pragma foreign_keys = on;pragma foreign_keys = off;`);
    this.addSql(
      `create table \`connection__temp_alter\` (\`id\` text not null, \`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`status\` text check (\`status\` in ('connected', 'declined', 'disabled')) not null, \`accepted_version\` integer null, \`declined_version\` integer null, \`client_id\` text null, \`credentials_issuer\` text check (\`credentials_issuer\` in ('tenant_admin', 'developer')) not null default 'tenant_admin', \`revision\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`updated_by_id\` text null, \`last_token_at\` datetime null, \`last_call_at\` datetime null, constraint \`connection_app_id_foreign\` foreign key(\`app_id\`) references \`app\`(\`id\`) on update cascade, constraint \`connection_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenant\`(\`id\`) on update cascade, constraint \`connection_updated_by_id_foreign\` foreign key(\`updated_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `insert into \`connection__temp_alter\` select \`id\`, \`app_id\`, \`tenant_id\`, \`environment\`, \`status\`, \`accepted_version\`, \`declined_version\`, \`client_id\`, \`credentials_issuer\`, \`revision\`, \`created_at\`, \`updated_at\`, \`updated_by_id\`, \`last_token_at\`, \`last_call_at\` from \`connection\`;`,
    );
    this.addSql(`drop table \`connection\`;`);
    this.addSql(`alter table \`connection__temp_alter\` rename to \`connection\`;`);
    this.addSql(`create index \`connection_app_id_index\` on \`connection\` (\`app_id\`);`);
    this.addSql(`create index \`connection_tenant_id_index\` on \`connection\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`connection_client_id_unique\` on \`connection\` (\`client_id\`);`);
    this.addSql(`create index \`connection_updated_by_id_index\` on \`connection\` (\`updated_by_id\`);`);
    this.addSql(
      `create index \`connection_tenant_id_environment_updated_at_id_index\` on \`connection\` (\`tenant_id\`, \`environment\`, \`updated_at\`, \`id\`);`,
    );
    this.addSql(
      `create unique index \`connection_app_id_tenant_id_environment_unique\` on \`connection\` (\`app_id\`, \`tenant_id\`, \`environment\`);`,
    );
    this.addSql(`pragma foreign_keys = on;pragma foreign_keys = off;`);
    this.addSql(
      `create table \`access_request__temp_alter\` (\`id\` text not null, \`name\` text not null, \`email\` text not null, \`organization_name\` text not null, \`role\` text check (\`role\` in ('developer', 'tenant_admin')) not null, \`tenant_id\` text null, \`status\` text check (\`status\` in ('pending', 'approved', 'rejected')) not null, \`reason\` text null, \`created_at\` datetime not null, \`decided_at\` datetime null, \`decided_by_id\` text null, \`user_id\` text null, constraint \`access_request_decided_by_id_foreign\` foreign key(\`decided_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, constraint \`access_request_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `insert into \`access_request__temp_alter\` select \`id\`, \`name\`, \`email\`, \`organization_name\`, \`role\`, \`tenant_id\`, \`status\`, \`reason\`, \`created_at\`, \`decided_at\`, \`decided_by_id\`, \`user_id\` from \`access_request\`;`,
    );
    this.addSql(`drop table \`access_request\`;`);
    this.addSql(`alter table \`access_request__temp_alter\` rename to \`access_request\`;`);
    this.addSql(
      `create index \`access_request_decided_by_id_index\` on \`access_request\` (\`decided_by_id\`);`,
    );
    this.addSql(`create index \`access_request_user_id_index\` on \`access_request\` (\`user_id\`);`);
    this.addSql(
      `create index \`access_request_status_created_at_id_index\` on \`access_request\` (\`status\`, \`created_at\`, \`id\`);`,
    );
    this.addSql(`pragma foreign_keys = on;`);
  }
}
