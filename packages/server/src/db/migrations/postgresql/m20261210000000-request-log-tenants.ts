import { Migration } from '@mikro-orm/migrations';

/**
 * A request log block holds one app × environment's lines whatever their tenants: `tenants` lists the
 * tenants its lines came from (`,tenant,` each), and a line names its own by its place in that list. A block
 * written before names its one tenant there, and its lines, which name none, are that tenant's.
 */
export class Migration20261210000000_request_log_tenants extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "request_log_block" add column "tenants" text not null default '';`);
    this.addSql(
      `update "request_log_block" set "tenants" = ',' || "tenant_id" || ',' where "tenant_id" is not null;`,
    );
    this.addSql(`drop index if exists "request_log_block_app_id_tenant_id_last_at_index";`);
    this.addSql(`alter table "request_log_block" drop column "tenant_id";`);
  }

  /**
   * Back to a tenant per block: a block whose lines all came from one tenant keeps it; a block of several
   * tenants, or with lines of none (a line ends `,-1]`), keeps none.
   */
  override async down(): Promise<void> {
    this.addSql(`alter table "request_log_block" add column "tenant_id" varchar(18) null;`);
    this.addSql(
      `update "request_log_block" set "tenant_id" = btrim("tenants", ',') where "tenants" <> '' and strpos(btrim("tenants", ','), ',') = 0 and "lines" not like '%,-1]%';`,
    );
    this.addSql(
      `create index "request_log_block_app_id_tenant_id_last_at_index" on "request_log_block" ("app_id", "tenant_id", "last_at");`,
    );
    this.addSql(`alter table "request_log_block" drop column "tenants";`);
  }
}
