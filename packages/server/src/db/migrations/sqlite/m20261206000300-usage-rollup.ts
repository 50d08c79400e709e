import { Migration } from '@mikro-orm/migrations';

/**
 * The usage report at any traffic. `usage_app_daily` holds an app's calls per
 * day, environment, endpoint and outcome (the daily rows without the tenant),
 * written with them by every flush: the chart and the endpoints read a few
 * hundred of its rows instead of every tenant's. It starts as the sum of the
 * daily rows already counted. Two indexes on the daily rows serve the
 * report's lines a page at a time: in Tenant ID, environment and endpoint
 * order (a tenant filter is a range of it), and the same after the endpoint,
 * for one endpoint however few of the app's tenants call it. With the outcome
 * and the calls, both cover the read.
 */
export class Migration20261206000300_usage_rollup extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`usage_app_daily\` (\`app_id\` text not null, \`day\` text not null, \`environment\` text check (\`environment\` in ('integration', 'production')) not null, \`endpoint\` text not null, \`outcome\` text not null, \`calls\` integer not null, primary key (\`app_id\`, \`day\`, \`environment\`, \`endpoint\`, \`outcome\`));`,
    );
    this.addSql(
      `insert into \`usage_app_daily\` (\`app_id\`, \`day\`, \`environment\`, \`endpoint\`, \`outcome\`, \`calls\`) select \`app_id\`, \`day\`, \`environment\`, \`endpoint\`, \`outcome\`, sum(\`calls\`) from \`usage_daily\` group by \`app_id\`, \`day\`, \`environment\`, \`endpoint\`, \`outcome\`;`,
    );
    this.addSql(
      `create index \`usage_daily_app_lines_index\` on \`usage_daily\` (\`app_id\`, \`tenant_id\`, \`environment\`, \`endpoint\`, \`day\`, \`outcome\`, \`calls\`);`,
    );
    this.addSql(
      `create index \`usage_daily_app_endpoint_lines_index\` on \`usage_daily\` (\`app_id\`, \`endpoint\`, \`tenant_id\`, \`environment\`, \`day\`, \`outcome\`, \`calls\`);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index \`usage_daily_app_endpoint_lines_index\`;`);
    this.addSql(`drop index \`usage_daily_app_lines_index\`;`);
    this.addSql(`drop table \`usage_app_daily\`;`);
  }
}
