import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants see an app's listed identity (name, home page), set by a reviewer's
 * approval, and its developer's verified organization instead of a typed one.
 * Private apps are listed with their current name and home page. An approved
 * public app is listed with what its reviewer approved: until now a new name or
 * home page took effect unreviewed, so when the audit trail shows one since the
 * approval, the app is listed with the identity before the first such change
 * and goes back to review with the new one. Public apps still waiting for
 * their first approval are listed by it.
 */
export class Migration20261202030100_app_listed_identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "app" add column "listed_name" varchar(100) null, add column "listed_home_page_url" varchar(2048) null;`,
    );
    this.addSql(
      `update "app" set "listed_name" = "name", "listed_home_page_url" = "home_page_url" where "kind" = 'private' or "review_status" = 'approved';`,
    );
    // The first identity change after approval holds, in `before`, what the reviewer approved.
    const firstChange = `from "audit_event" as "e" where "e"."app_id" = "app"."id"::text and "e"."action" = 'app.details_changed' and "e"."at" > "app"."reviewed_at" and ("e"."before" ->> 'name' is distinct from "e"."after" ->> 'name' or "e"."before" ->> 'homePageUrl' is distinct from "e"."after" ->> 'homePageUrl') order by "e"."at" limit 1`;
    this.addSql(
      `update "app" set "listed_name" = (select "e"."before" ->> 'name' ${firstChange}), "listed_home_page_url" = (select "e"."before" ->> 'homePageUrl' ${firstChange}), ` +
        `"review_status" = 'pending', "review_reason" = null, "submitted_at" = now() ` +
        `where "kind" = 'public' and "review_status" = 'approved' and exists (select 1 ${firstChange});`,
    );
    this.addSql(`alter table "app" drop column "organization_name";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app" add column "organization_name" varchar(100) not null default '';`);
    this.addSql(
      `update "app" set "organization_name" = "organization"."name" from "organization" where "organization"."id" = "app"."organization_id";`,
    );
    this.addSql(`alter table "app" drop column "listed_home_page_url", drop column "listed_name";`);
  }
}
