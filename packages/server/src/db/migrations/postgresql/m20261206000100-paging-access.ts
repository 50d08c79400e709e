import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for keyset paging of the admin console's lists. API Application
 * Access reads a tenant's connections in one environment last changed first;
 * Connect New App joins a tenant's listings by app, and walks apps by the name
 * tenants see in any letter case (an expression index: the query's expression
 * must stay exactly this one, see services/connections/visibility-sql.ts); the
 * review queue and the access requests read the pending rows oldest first, the
 * id breaking ties. Each new index replaces the narrower one it starts with.
 * The moments these lists sort by keep milliseconds, as their page cursors do:
 * a value written with microseconds (by `now()` in SQL) would tie with every
 * cursor made from it and repeat the page.
 */
const SORTED_MOMENTS = [
  ['app', 'created_at'],
  ['app', 'submitted_at'],
  ['connection', 'updated_at'],
  ['access_request', 'created_at'],
] as const;

export class Migration20261206000100_paging_access extends Migration {
  override async up(): Promise<void> {
    for (const [table, column] of SORTED_MOMENTS)
      this.addSql(`alter table "${table}" alter column "${column}" type timestamptz(3);`);
    this.addSql(
      `create index "app_tenant_app_id_added_at_tenant_id_index" on "app_tenant" ("app_id", "added_at", "tenant_id");`,
    );
    this.addSql(
      `create index "connection_tenant_id_environment_updated_at_id_index" on "connection" ("tenant_id", "environment", "updated_at", "id");`,
    );
    this.addSql(`drop index "connection_tenant_id_environment_index";`);
    this.addSql(`create index "app_tenant_tenant_id_app_id_index" on "app_tenant" ("tenant_id", "app_id");`);
    this.addSql(`drop index "app_tenant_tenant_id_index";`);
    this.addSql(
      `create index "app_tenant_facing_name_index" on "app" (lower(case when listed_name is not null and listed_home_page_url is not null then listed_name else name end), "id");`,
    );
    this.addSql(
      `create index "app_review_status_submitted_at_id_index" on "app" ("review_status", "submitted_at", "id");`,
    );
    this.addSql(`drop index "app_review_status_submitted_at_index";`);
    this.addSql(
      `create index "access_request_status_created_at_id_index" on "access_request" ("status", "created_at", "id");`,
    );
    this.addSql(`drop index "access_request_status_created_at_index";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "app_tenant_app_id_added_at_tenant_id_index";`);
    for (const [table, column] of SORTED_MOMENTS)
      this.addSql(`alter table "${table}" alter column "${column}" type timestamptz;`);
    this.addSql(
      `create index "access_request_status_created_at_index" on "access_request" ("status", "created_at");`,
    );
    this.addSql(`drop index "access_request_status_created_at_id_index";`);
    this.addSql(
      `create index "app_review_status_submitted_at_index" on "app" ("review_status", "submitted_at");`,
    );
    this.addSql(`drop index "app_review_status_submitted_at_id_index";`);
    this.addSql(`drop index "app_tenant_facing_name_index";`);
    this.addSql(`create index "app_tenant_tenant_id_index" on "app_tenant" ("tenant_id");`);
    this.addSql(`drop index "app_tenant_tenant_id_app_id_index";`);
    this.addSql(
      `create index "connection_tenant_id_environment_index" on "connection" ("tenant_id", "environment");`,
    );
    this.addSql(`drop index "connection_tenant_id_environment_updated_at_id_index";`);
  }
}
