import { Migration } from '@mikro-orm/migrations';

/**
 * Access requests are counted by rate-limiter-flexible, no longer from their own
 * rows: the address they came from and the indexes the counts used go. Its table
 * (`rate_limit`) is created here too, as the entities define it; this database's
 * single process counts in memory.
 */
export class Migration20261204000000_access_request_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index \`access_request_email_created_at_index\`;`);
    this.addSql(`drop index \`access_request_client_key_created_at_index\`;`);
    this.addSql(`alter table \`access_request\` drop column \`client_key\`;`);
    this.addSql(
      `create table \`rate_limit\` (\`key\` text not null, \`points\` integer not null default 0, \`expire\` bigint null, primary key (\`key\`));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table \`rate_limit\`;`);
    this.addSql(`alter table \`access_request\` add column \`client_key\` text not null default '';`);
    this.addSql(
      `create index \`access_request_client_key_created_at_index\` on \`access_request\` (\`client_key\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`access_request_email_created_at_index\` on \`access_request\` (\`email\`, \`created_at\`);`,
    );
  }
}
