import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants see an app's listed identity (name, home page), set by a reviewer's
 * approval, and its developer's verified organization instead of a typed one.
 * Apps tenants can see today — private ones and approved public ones — are
 * listed with their current name and home page, so no tenant's view changes;
 * public apps still waiting for their first approval are listed by it.
 */
export class Migration20261202030100_app_listed_identity extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "app" add column "listed_name" varchar(100) null, add column "listed_home_page_url" varchar(2048) null;`);
    this.addSql(`update "app" set "listed_name" = "name", "listed_home_page_url" = "home_page_url" where "kind" = 'private' or "review_status" = 'approved';`);
    this.addSql(`alter table "app" drop column "organization_name";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app" add column "organization_name" varchar(100) not null default '';`);
    this.addSql(`update "app" set "organization_name" = "organization"."name" from "organization" where "organization"."id" = "app"."organization_id";`);
    this.addSql(`alter table "app" drop column "listed_home_page_url", drop column "listed_name";`);
  }

}
