import { Migration } from '@mikro-orm/migrations';

/**
 * Who issues a connection's client credentials becomes the connection's own,
 * fixed at Allow. Until now the app's credentials mode decided it live, so each
 * existing connection gets its app's current mode: every client keeps exactly
 * what it can do today, and the tenant admin sees who issues it.
 */
export class Migration20261202030000_connection_credentials_issuer extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`connection\` add column \`credentials_issuer\` text check (\`credentials_issuer\` in ('tenant_admin', 'developer')) not null default 'tenant_admin';`);
    this.addSql(`update \`connection\` set \`credentials_issuer\` = (select \`app\`.\`credentials_mode\` from \`app\` where \`app\`.\`id\` = \`connection\`.\`app_id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`connection\` drop column \`credentials_issuer\`;`);
  }

}
