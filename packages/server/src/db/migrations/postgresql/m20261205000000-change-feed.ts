import { Migration } from '@mikro-orm/migrations';

/**
 * The change feed replaces the access epoch: one event per committed change,
 * which each instance reads from where it left off (src/events/). An insert
 * notifies the `gatehouse_changes` channel; PostgreSQL delivers the
 * notification when the inserting transaction commits, never before.
 */
export class Migration20261205000000_change_feed extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "change_event" ("seq" bigserial primary key, "at" timestamptz not null, "type" varchar(64) not null, "audit_id" varchar(36) null, "app_id" varchar(36) null, "tenant_id" varchar(18) null, "environment" varchar(16) null, "connection_id" varchar(36) null, "client_id" varchar(64) null, "data" jsonb null);`,
    );
    this.addSql(`create index "change_event_at_index" on "change_event" ("at");`);
    this.addSql(
      `create function "change_event_notify"() returns trigger language plpgsql as $$ begin perform pg_notify('gatehouse_changes', ''); return null; end $$;`,
    );
    this.addSql(
      `create trigger "change_event_notify" after insert on "change_event" for each statement execute function "change_event_notify"();`,
    );
    this.addSql(`drop table if exists "access_epoch" cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create table "access_epoch" ("id" serial primary key, "epoch" int4 not null);`);
    this.addSql(`drop table if exists "change_event" cascade;`);
    this.addSql(`drop function if exists "change_event_notify"();`);
  }
}
