import { Migration } from '@mikro-orm/migrations';

/**
 * Access requests are counted by rate-limiter-flexible, in the `rate_limit` table
 * every instance shares, no longer from their own rows: the address they came
 * from and the indexes the counts used go.
 */
export class Migration20261204000000_access_request_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "access_request_email_created_at_index";`);
    this.addSql(`drop index "access_request_client_key_created_at_index";`);
    this.addSql(`alter table "access_request" drop column "client_key";`);
    this.addSql(
      `create table "rate_limit" ("key" varchar(255) not null, "points" int not null default 0, "expire" bigint null, constraint "rate_limit_pkey" primary key ("key"));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit";`);
    this.addSql(`alter table "access_request" add column "client_key" varchar(64) not null default '';`);
    this.addSql(`alter table "access_request" alter column "client_key" drop default;`);
    this.addSql(
      `create index "access_request_client_key_created_at_index" on "access_request" ("client_key", "created_at");`,
    );
    this.addSql(
      `create index "access_request_email_created_at_index" on "access_request" ("email", "created_at");`,
    );
  }
}
