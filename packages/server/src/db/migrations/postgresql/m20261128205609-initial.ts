import { Migration } from '@mikro-orm/migrations';

export class Migration20261128205609_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "access_epoch" ("id" serial primary key, "epoch" int not null);`);

    this.addSql(
      `create table "audit_event" ("id" uuid not null, "at" timestamptz not null, "actor_id" varchar(36) null, "actor_email" varchar(254) null, "action" varchar(64) not null, "organization_id" varchar(36) null, "app_id" varchar(36) null, "tenant_id" varchar(18) null, "before" jsonb null, "after" jsonb null, constraint "audit_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "audit_event_organization_id_at_index" on "audit_event" ("organization_id", "at");`,
    );
    this.addSql(`create index "audit_event_app_id_at_index" on "audit_event" ("app_id", "at");`);
    this.addSql(`create index "audit_event_tenant_id_at_index" on "audit_event" ("tenant_id", "at");`);
    this.addSql(`create index "audit_event_at_index" on "audit_event" ("at");`);

    this.addSql(
      `create table "login_failure" ("id" uuid not null, "subject" varchar(300) not null, "at" timestamptz not null, constraint "login_failure_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "login_failure_subject_at_index" on "login_failure" ("subject", "at");`);

    this.addSql(
      `create table "organization" ("id" uuid not null, "name" varchar(100) not null, "created_at" timestamptz not null, constraint "organization_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "organization" add constraint "organization_name_unique" unique ("name");`);

    this.addSql(
      `create table "resource_record" ("pk" uuid not null, "tenant_id" varchar(18) not null, "environment" text check ("environment" in ('integration', 'production')) not null, "resource" varchar(64) not null, "record_id" int not null, "data" jsonb not null, "modified_on" timestamptz not null, constraint "resource_record_pkey" primary key ("pk"));`,
    );
    this.addSql(
      `alter table "resource_record" add constraint "resource_record_tenant_id_environment_resource_record_id_unique" unique ("tenant_id", "environment", "resource", "record_id");`,
    );

    this.addSql(
      `create table "signing_key" ("kid" varchar(64) not null, "algorithm" varchar(16) not null, "public_jwk" jsonb not null, "private_jwk" jsonb not null, "created_at" timestamptz not null, "retired_at" timestamptz null, constraint "signing_key_pkey" primary key ("kid"));`,
    );

    this.addSql(
      `create table "tenant" ("id" varchar(18) not null, "name" varchar(100) not null, constraint "tenant_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "usage_daily" ("id" uuid not null, "day" varchar(10) not null, "app_id" varchar(36) not null, "tenant_id" varchar(18) not null, "environment" text check ("environment" in ('integration', 'production')) not null, "endpoint" varchar(120) not null, "outcome" varchar(3) not null, "calls" int not null, constraint "usage_daily_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "usage_daily" add constraint "usage_daily_app_id_day_tenant_id_environment_endp_98e49_unique" unique ("app_id", "day", "tenant_id", "environment", "endpoint", "outcome");`,
    );

    this.addSql(
      `create table "app_user" ("id" uuid not null, "email" varchar(254) not null, "name" varchar(100) not null, "password_hash" varchar(200) not null, "organization_id" uuid null, "is_reviewer" boolean not null default false, "created_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(
      `create table "tenant_admin" ("id" uuid not null, "user_id" uuid not null, "tenant_id" varchar(18) not null, constraint "tenant_admin_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "tenant_admin" add constraint "tenant_admin_user_id_tenant_id_unique" unique ("user_id", "tenant_id");`,
    );

    this.addSql(
      `create table "session" ("id" uuid not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, constraint "session_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "session" add constraint "session_token_hash_unique" unique ("token_hash");`);

    this.addSql(
      `create table "password_setup" ("id" uuid not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null, constraint "password_setup_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "password_setup" add constraint "password_setup_token_hash_unique" unique ("token_hash");`,
    );

    this.addSql(
      `create table "notification" ("id" uuid not null, "user_id" uuid not null, "app_id" varchar(36) null, "message" varchar(2500) not null, "created_at" timestamptz not null, "read_at" timestamptz null, constraint "notification_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "notification_user_id_created_at_index" on "notification" ("user_id", "created_at");`,
    );

    this.addSql(
      `create table "app" ("id" uuid not null, "organization_id" uuid not null, "name" varchar(100) not null, "organization_name" varchar(100) not null, "home_page_url" varchar(2048) not null, "kind" text check ("kind" in ('public', 'private')) not null, "credentials_mode" text check ("credentials_mode" in ('tenant_admin', 'developer')) not null, "review_status" text check ("review_status" in ('not_required', 'pending', 'approved', 'rejected')) not null, "review_reason" text null, "submitted_at" timestamptz null, "reviewed_at" timestamptz null, "reviewed_by_id" uuid null, "app_key" varchar(64) not null, "latest_version" int not null, "created_by_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, constraint "app_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "app" add constraint "app_app_key_unique" unique ("app_key");`);
    this.addSql(
      `create index "app_organization_id_created_at_index" on "app" ("organization_id", "created_at");`,
    );
    this.addSql(
      `create index "app_review_status_submitted_at_index" on "app" ("review_status", "submitted_at");`,
    );

    this.addSql(
      `create table "connection" ("id" uuid not null, "app_id" uuid not null, "tenant_id" varchar(18) not null, "environment" text check ("environment" in ('integration', 'production')) not null, "status" text check ("status" in ('connected', 'declined', 'disabled')) not null, "accepted_version" int null, "declined_version" int null, "client_id" varchar(64) null, "revision" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, "updated_by_id" uuid null, "last_token_at" timestamptz null, "last_call_at" timestamptz null, constraint "connection_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "connection" add constraint "connection_client_id_unique" unique ("client_id");`,
    );
    this.addSql(
      `create index "connection_tenant_id_environment_index" on "connection" ("tenant_id", "environment");`,
    );
    this.addSql(
      `alter table "connection" add constraint "connection_app_id_tenant_id_environment_unique" unique ("app_id", "tenant_id", "environment");`,
    );

    this.addSql(
      `create table "revoked_token" ("jti" varchar(64) not null, "connection_id" uuid not null, "expires_at" timestamptz not null, "revoked_at" timestamptz not null, constraint "revoked_token_pkey" primary key ("jti"));`,
    );
    this.addSql(
      `create index "revoked_token_connection_id_expires_at_index" on "revoked_token" ("connection_id", "expires_at");`,
    );

    this.addSql(
      `create table "client_secret" ("id" uuid not null, "connection_id" uuid not null, "secret_hash" varchar(64) not null, "start" varchar(16) not null, "created_at" timestamptz not null, "created_by_id" uuid not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, constraint "client_secret_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "client_secret" add constraint "client_secret_secret_hash_unique" unique ("secret_hash");`,
    );
    this.addSql(
      `create index "client_secret_connection_id_created_at_index" on "client_secret" ("connection_id", "created_at");`,
    );

    this.addSql(
      `create table "app_version" ("id" uuid not null, "app_id" uuid not null, "number" int not null, "scopes" jsonb not null, "created_by_id" uuid not null, "created_at" timestamptz not null, constraint "app_version_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "app_version" add constraint "app_version_app_id_number_unique" unique ("app_id", "number");`,
    );

    this.addSql(
      `create table "app_tenant" ("id" uuid not null, "app_id" uuid not null, "tenant_id" varchar(18) not null, "added_at" timestamptz not null, constraint "app_tenant_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "app_tenant_tenant_id_index" on "app_tenant" ("tenant_id");`);
    this.addSql(
      `alter table "app_tenant" add constraint "app_tenant_app_id_tenant_id_unique" unique ("app_id", "tenant_id");`,
    );

    this.addSql(
      `create table "access_request" ("id" uuid not null, "name" varchar(100) not null, "email" varchar(254) not null, "organization_name" varchar(100) not null, "role" text check ("role" in ('developer', 'tenant_admin')) not null, "tenant_id" varchar(18) null, "status" text check ("status" in ('pending', 'approved', 'rejected')) not null, "reason" text null, "client_key" varchar(64) not null, "created_at" timestamptz not null, "decided_at" timestamptz null, "decided_by_id" uuid null, "user_id" uuid null, constraint "access_request_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "access_request_status_created_at_index" on "access_request" ("status", "created_at");`,
    );
    this.addSql(
      `create index "access_request_email_created_at_index" on "access_request" ("email", "created_at");`,
    );
    this.addSql(
      `create index "access_request_client_key_created_at_index" on "access_request" ("client_key", "created_at");`,
    );

    this.addSql(
      `alter table "app_user" add constraint "app_user_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "tenant_admin" add constraint "tenant_admin_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "tenant_admin" add constraint "tenant_admin_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "session" add constraint "session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "password_setup" add constraint "password_setup_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "notification" add constraint "notification_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "app" add constraint "app_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "app" add constraint "app_reviewed_by_id_foreign" foreign key ("reviewed_by_id") references "app_user" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "app" add constraint "app_created_by_id_foreign" foreign key ("created_by_id") references "app_user" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "connection" add constraint "connection_app_id_foreign" foreign key ("app_id") references "app" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "connection" add constraint "connection_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "connection" add constraint "connection_updated_by_id_foreign" foreign key ("updated_by_id") references "app_user" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "revoked_token" add constraint "revoked_token_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "client_secret" add constraint "client_secret_connection_id_foreign" foreign key ("connection_id") references "connection" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "client_secret" add constraint "client_secret_created_by_id_foreign" foreign key ("created_by_id") references "app_user" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "app_version" add constraint "app_version_app_id_foreign" foreign key ("app_id") references "app" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "app_version" add constraint "app_version_created_by_id_foreign" foreign key ("created_by_id") references "app_user" ("id") on update cascade;`,
    );

    this.addSql(
      `alter table "app_tenant" add constraint "app_tenant_app_id_foreign" foreign key ("app_id") references "app" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "access_request" add constraint "access_request_decided_by_id_foreign" foreign key ("decided_by_id") references "app_user" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "access_request" add constraint "access_request_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app_user" drop constraint "app_user_organization_id_foreign";`);

    this.addSql(`alter table "app" drop constraint "app_organization_id_foreign";`);

    this.addSql(`alter table "tenant_admin" drop constraint "tenant_admin_tenant_id_foreign";`);

    this.addSql(`alter table "connection" drop constraint "connection_tenant_id_foreign";`);

    this.addSql(`alter table "tenant_admin" drop constraint "tenant_admin_user_id_foreign";`);

    this.addSql(`alter table "session" drop constraint "session_user_id_foreign";`);

    this.addSql(`alter table "password_setup" drop constraint "password_setup_user_id_foreign";`);

    this.addSql(`alter table "notification" drop constraint "notification_user_id_foreign";`);

    this.addSql(`alter table "app" drop constraint "app_reviewed_by_id_foreign";`);

    this.addSql(`alter table "app" drop constraint "app_created_by_id_foreign";`);

    this.addSql(`alter table "connection" drop constraint "connection_updated_by_id_foreign";`);

    this.addSql(`alter table "client_secret" drop constraint "client_secret_created_by_id_foreign";`);

    this.addSql(`alter table "app_version" drop constraint "app_version_created_by_id_foreign";`);

    this.addSql(`alter table "access_request" drop constraint "access_request_decided_by_id_foreign";`);

    this.addSql(`alter table "access_request" drop constraint "access_request_user_id_foreign";`);

    this.addSql(`alter table "connection" drop constraint "connection_app_id_foreign";`);

    this.addSql(`alter table "app_version" drop constraint "app_version_app_id_foreign";`);

    this.addSql(`alter table "app_tenant" drop constraint "app_tenant_app_id_foreign";`);

    this.addSql(`alter table "revoked_token" drop constraint "revoked_token_connection_id_foreign";`);

    this.addSql(`alter table "client_secret" drop constraint "client_secret_connection_id_foreign";`);

    this.addSql(`drop table if exists "access_epoch" cascade;`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "login_failure" cascade;`);

    this.addSql(`drop table if exists "organization" cascade;`);

    this.addSql(`drop table if exists "resource_record" cascade;`);

    this.addSql(`drop table if exists "signing_key" cascade;`);

    this.addSql(`drop table if exists "tenant" cascade;`);

    this.addSql(`drop table if exists "usage_daily" cascade;`);

    this.addSql(`drop table if exists "app_user" cascade;`);

    this.addSql(`drop table if exists "tenant_admin" cascade;`);

    this.addSql(`drop table if exists "session" cascade;`);

    this.addSql(`drop table if exists "password_setup" cascade;`);

    this.addSql(`drop table if exists "notification" cascade;`);

    this.addSql(`drop table if exists "app" cascade;`);

    this.addSql(`drop table if exists "connection" cascade;`);

    this.addSql(`drop table if exists "revoked_token" cascade;`);

    this.addSql(`drop table if exists "client_secret" cascade;`);

    this.addSql(`drop table if exists "app_version" cascade;`);

    this.addSql(`drop table if exists "app_tenant" cascade;`);

    this.addSql(`drop table if exists "access_request" cascade;`);
  }
}
