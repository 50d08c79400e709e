import { Migration } from '@mikro-orm/migrations';

export class Migration20261128205608_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`access_epoch\` (\`id\` integer not null primary key autoincrement, \`epoch\` integer not null);`,
    );

    this.addSql(
      `create table \`audit_event\` (\`id\` text not null, \`at\` datetime not null, \`actor_id\` text null, \`actor_email\` text null, \`action\` text not null, \`organization_id\` text null, \`app_id\` text null, \`tenant_id\` text null, \`before\` json null, \`after\` json null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`audit_event_organization_id_at_index\` on \`audit_event\` (\`organization_id\`, \`at\`);`,
    );
    this.addSql(`create index \`audit_event_app_id_at_index\` on \`audit_event\` (\`app_id\`, \`at\`);`);
    this.addSql(
      `create index \`audit_event_tenant_id_at_index\` on \`audit_event\` (\`tenant_id\`, \`at\`);`,
    );
    this.addSql(`create index \`audit_event_at_index\` on \`audit_event\` (\`at\`);`);

    this.addSql(
      `create table \`login_failure\` (\`id\` text not null, \`subject\` text not null, \`at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`login_failure_subject_at_index\` on \`login_failure\` (\`subject\`, \`at\`);`,
    );

    this.addSql(
      `create table \`organization\` (\`id\` text not null, \`name\` text not null, \`created_at\` datetime not null, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`organization_name_unique\` on \`organization\` (\`name\`);`);

    this.addSql(
      `create table \`resource_record\` (\`pk\` text not null, \`tenant_id\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`resource\` text not null, \`record_id\` integer not null, \`data\` json not null, \`modified_on\` datetime not null, primary key (\`pk\`));`,
    );
    this.addSql(
      `create unique index \`resource_record_tenant_id_environment_resource_record_id_unique\` on \`resource_record\` (\`tenant_id\`, \`environment\`, \`resource\`, \`record_id\`);`,
    );

    this.addSql(
      `create table \`signing_key\` (\`kid\` text not null, \`algorithm\` text not null, \`public_jwk\` json not null, \`private_jwk\` json not null, \`created_at\` datetime not null, \`retired_at\` datetime null, primary key (\`kid\`));`,
    );

    this.addSql(
      `create table \`tenant\` (\`id\` text not null, \`name\` text not null, primary key (\`id\`));`,
    );

    this.addSql(
      `create table \`usage_daily\` (\`id\` text not null, \`day\` text not null, \`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`endpoint\` text not null, \`outcome\` text not null, \`calls\` integer not null, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`usage_daily_app_id_day_tenant_id_environment_endpoint_outcome_unique\` on \`usage_daily\` (\`app_id\`, \`day\`, \`tenant_id\`, \`environment\`, \`endpoint\`, \`outcome\`);`,
    );

    this.addSql(
      `create table \`app_user\` (\`id\` text not null, \`email\` text not null, \`name\` text not null, \`password_hash\` text not null, \`organization_id\` text null, \`is_reviewer\` integer not null default false, \`created_at\` datetime not null, constraint \`app_user_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`app_user_email_unique\` on \`app_user\` (\`email\`);`);
    this.addSql(`create index \`app_user_organization_id_index\` on \`app_user\` (\`organization_id\`);`);

    this.addSql(
      `create table \`tenant_admin\` (\`id\` text not null, \`user_id\` text not null, \`tenant_id\` text not null, constraint \`tenant_admin_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete cascade on update cascade, constraint \`tenant_admin_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenant\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`tenant_admin_user_id_index\` on \`tenant_admin\` (\`user_id\`);`);
    this.addSql(`create index \`tenant_admin_tenant_id_index\` on \`tenant_admin\` (\`tenant_id\`);`);
    this.addSql(
      `create unique index \`tenant_admin_user_id_tenant_id_unique\` on \`tenant_admin\` (\`user_id\`, \`tenant_id\`);`,
    );

    this.addSql(
      `create table \`session\` (\`id\` text not null, \`token_hash\` text not null, \`user_id\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime not null, constraint \`session_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`session_token_hash_unique\` on \`session\` (\`token_hash\`);`);
    this.addSql(`create index \`session_user_id_index\` on \`session\` (\`user_id\`);`);

    this.addSql(
      `create table \`password_setup\` (\`id\` text not null, \`token_hash\` text not null, \`user_id\` text not null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`password_setup_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create unique index \`password_setup_token_hash_unique\` on \`password_setup\` (\`token_hash\`);`,
    );
    this.addSql(`create index \`password_setup_user_id_index\` on \`password_setup\` (\`user_id\`);`);

    this.addSql(
      `create table \`notification\` (\`id\` text not null, \`user_id\` text not null, \`app_id\` text null, \`message\` text not null, \`created_at\` datetime not null, \`read_at\` datetime null, constraint \`notification_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`notification_user_id_index\` on \`notification\` (\`user_id\`);`);
    this.addSql(
      `create index \`notification_user_id_created_at_index\` on \`notification\` (\`user_id\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`app\` (\`id\` text not null, \`organization_id\` text not null, \`name\` text not null, \`organization_name\` text not null, \`home_page_url\` text not null, \`kind\` text check (\`kind\` in ('public', 'private')) not null, \`credentials_mode\` text check (\`credentials_mode\` in ('tenant_admin', 'developer')) not null, \`review_status\` text check (\`review_status\` in ('not_required', 'pending', 'approved', 'rejected')) not null, \`review_reason\` text null, \`submitted_at\` datetime null, \`reviewed_at\` datetime null, \`reviewed_by_id\` text null, \`app_key\` text not null, \`latest_version\` integer not null, \`created_by_id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`deleted_at\` datetime null, constraint \`app_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on update cascade, constraint \`app_reviewed_by_id_foreign\` foreign key(\`reviewed_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, constraint \`app_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`app_user\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`app_organization_id_index\` on \`app\` (\`organization_id\`);`);
    this.addSql(`create index \`app_reviewed_by_id_index\` on \`app\` (\`reviewed_by_id\`);`);
    this.addSql(`create unique index \`app_app_key_unique\` on \`app\` (\`app_key\`);`);
    this.addSql(`create index \`app_created_by_id_index\` on \`app\` (\`created_by_id\`);`);
    this.addSql(
      `create index \`app_organization_id_created_at_index\` on \`app\` (\`organization_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`app_review_status_submitted_at_index\` on \`app\` (\`review_status\`, \`submitted_at\`);`,
    );

    this.addSql(
      `create table \`connection\` (\`id\` text not null, \`app_id\` text not null, \`tenant_id\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`status\` text check (\`status\` in ('connected', 'declined', 'disabled')) not null, \`accepted_version\` integer null, \`declined_version\` integer null, \`client_id\` text null, \`revision\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, \`updated_by_id\` text null, \`last_token_at\` datetime null, \`last_call_at\` datetime null, constraint \`connection_app_id_foreign\` foreign key(\`app_id\`) references \`app\`(\`id\`) on update cascade, constraint \`connection_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenant\`(\`id\`) on update cascade, constraint \`connection_updated_by_id_foreign\` foreign key(\`updated_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`connection_app_id_index\` on \`connection\` (\`app_id\`);`);
    this.addSql(`create index \`connection_tenant_id_index\` on \`connection\` (\`tenant_id\`);`);
    this.addSql(`create unique index \`connection_client_id_unique\` on \`connection\` (\`client_id\`);`);
    this.addSql(`create index \`connection_updated_by_id_index\` on \`connection\` (\`updated_by_id\`);`);
    this.addSql(
      `create index \`connection_tenant_id_environment_index\` on \`connection\` (\`tenant_id\`, \`environment\`);`,
    );
    this.addSql(
      `create unique index \`connection_app_id_tenant_id_environment_unique\` on \`connection\` (\`app_id\`, \`tenant_id\`, \`environment\`);`,
    );

    this.addSql(
      `create table \`revoked_token\` (\`jti\` text not null, \`connection_id\` text not null, \`expires_at\` datetime not null, \`revoked_at\` datetime not null, constraint \`revoked_token_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete cascade on update cascade, primary key (\`jti\`));`,
    );
    this.addSql(
      `create index \`revoked_token_connection_id_index\` on \`revoked_token\` (\`connection_id\`);`,
    );
    this.addSql(
      `create index \`revoked_token_connection_id_expires_at_index\` on \`revoked_token\` (\`connection_id\`, \`expires_at\`);`,
    );

    this.addSql(
      `create table \`client_secret\` (\`id\` text not null, \`connection_id\` text not null, \`secret_hash\` text not null, \`start\` text not null, \`created_at\` datetime not null, \`created_by_id\` text not null, \`expires_at\` datetime null, \`revoked_at\` datetime null, \`last_used_at\` datetime null, constraint \`client_secret_connection_id_foreign\` foreign key(\`connection_id\`) references \`connection\`(\`id\`) on delete cascade on update cascade, constraint \`client_secret_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`app_user\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`client_secret_connection_id_index\` on \`client_secret\` (\`connection_id\`);`,
    );
    this.addSql(
      `create unique index \`client_secret_secret_hash_unique\` on \`client_secret\` (\`secret_hash\`);`,
    );
    this.addSql(
      `create index \`client_secret_created_by_id_index\` on \`client_secret\` (\`created_by_id\`);`,
    );
    this.addSql(
      `create index \`client_secret_connection_id_created_at_index\` on \`client_secret\` (\`connection_id\`, \`created_at\`);`,
    );

    this.addSql(
      `create table \`app_version\` (\`id\` text not null, \`app_id\` text not null, \`number\` integer not null, \`scopes\` json not null, \`created_by_id\` text not null, \`created_at\` datetime not null, constraint \`app_version_app_id_foreign\` foreign key(\`app_id\`) references \`app\`(\`id\`) on delete cascade on update cascade, constraint \`app_version_created_by_id_foreign\` foreign key(\`created_by_id\`) references \`app_user\`(\`id\`) on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`app_version_app_id_index\` on \`app_version\` (\`app_id\`);`);
    this.addSql(`create index \`app_version_created_by_id_index\` on \`app_version\` (\`created_by_id\`);`);
    this.addSql(
      `create unique index \`app_version_app_id_number_unique\` on \`app_version\` (\`app_id\`, \`number\`);`,
    );

    this.addSql(
      `create table \`app_tenant\` (\`id\` text not null, \`app_id\` text not null, \`tenant_id\` text not null, \`added_at\` datetime not null, constraint \`app_tenant_app_id_foreign\` foreign key(\`app_id\`) references \`app\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create index \`app_tenant_app_id_index\` on \`app_tenant\` (\`app_id\`);`);
    this.addSql(`create index \`app_tenant_tenant_id_index\` on \`app_tenant\` (\`tenant_id\`);`);
    this.addSql(
      `create unique index \`app_tenant_app_id_tenant_id_unique\` on \`app_tenant\` (\`app_id\`, \`tenant_id\`);`,
    );

    this.addSql(
      `create table \`access_request\` (\`id\` text not null, \`name\` text not null, \`email\` text not null, \`organization_name\` text not null, \`role\` text check (\`role\` in ('developer', 'tenant_admin')) not null, \`tenant_id\` text null, \`status\` text check (\`status\` in ('pending', 'approved', 'rejected')) not null, \`reason\` text null, \`client_key\` text not null, \`created_at\` datetime not null, \`decided_at\` datetime null, \`decided_by_id\` text null, \`user_id\` text null, constraint \`access_request_decided_by_id_foreign\` foreign key(\`decided_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, constraint \`access_request_user_id_foreign\` foreign key(\`user_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(
      `create index \`access_request_decided_by_id_index\` on \`access_request\` (\`decided_by_id\`);`,
    );
    this.addSql(`create index \`access_request_user_id_index\` on \`access_request\` (\`user_id\`);`);
    this.addSql(
      `create index \`access_request_status_created_at_index\` on \`access_request\` (\`status\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`access_request_email_created_at_index\` on \`access_request\` (\`email\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`access_request_client_key_created_at_index\` on \`access_request\` (\`client_key\`, \`created_at\`);`,
    );
  }
}
