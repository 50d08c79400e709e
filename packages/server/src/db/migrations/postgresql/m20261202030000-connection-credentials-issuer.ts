import { Migration } from '@mikro-orm/migrations';

/**
 * Who issues a connection's client credentials becomes the connection's own,
 * fixed at Allow. Until now the app's credentials mode decided it live, and a
 * developer could take over connections a tenant admin had allowed by
 * switching the mode. So an existing connection is the developer's only when
 * the audit trail shows the app in developer mode when it was allowed (its
 * last creation or details change by then) and no switch from tenant admin to
 * developer since, and the app is in developer mode now; every other one stays
 * with the tenant admin, who can still rotate or revoke its secrets.
 */
export class Migration20261202030000_connection_credentials_issuer extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "connection" add column "credentials_issuer" text check ("credentials_issuer" in ('tenant_admin', 'developer')) not null default 'tenant_admin';`,
    );
    this.addSql(
      `update "connection" set "credentials_issuer" = 'developer' where ` +
        `exists (select 1 from "app" where "app"."id" = "connection"."app_id" and "app"."credentials_mode" = 'developer') ` +
        `and (select "e"."after" ->> 'credentialsMode' from "audit_event" as "e" where "e"."app_id" = "connection"."app_id"::text and "e"."action" in ('app.created', 'app.details_changed') and "e"."at" <= "connection"."created_at" order by "e"."at" desc limit 1) = 'developer' ` +
        `and not exists (select 1 from "audit_event" as "e" where "e"."app_id" = "connection"."app_id"::text and "e"."action" = 'app.details_changed' and "e"."before" ->> 'credentialsMode' = 'tenant_admin' and "e"."after" ->> 'credentialsMode' = 'developer' and "e"."at" >= "connection"."created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "connection" drop column "credentials_issuer";`);
  }
}
