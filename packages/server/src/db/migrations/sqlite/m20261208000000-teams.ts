import { Migration } from '@mikro-orm/migrations';

export class Migration20261208000000_teams extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table \`invitation\` (\`id\` text not null, \`token_hash\` text not null, \`kind\` text check (\`kind\` in ('organization', 'tenant')) not null, \`email\` text not null, \`organization_id\` text null, \`role\` text check (\`role\` in ('owner', 'developer')) null, \`tenant_id\` text null, \`invited_by_id\` text null, \`created_at\` datetime not null, \`expires_at\` datetime not null, \`accepted_at\` datetime null, \`revoked_at\` datetime null, constraint \`invitation_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, constraint \`invitation_tenant_id_foreign\` foreign key(\`tenant_id\`) references \`tenant\`(\`id\`) on delete cascade on update cascade, constraint \`invitation_invited_by_id_foreign\` foreign key(\`invited_by_id\`) references \`app_user\`(\`id\`) on delete set null on update cascade, primary key (\`id\`));`,
    );
    this.addSql(`create unique index \`invitation_token_hash_unique\` on \`invitation\` (\`token_hash\`);`);
    this.addSql(
      `create index \`invitation_organization_id_created_at_index\` on \`invitation\` (\`organization_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`invitation_tenant_id_created_at_index\` on \`invitation\` (\`tenant_id\`, \`created_at\`);`,
    );
    this.addSql(
      `create index \`invitation_invited_by_id_created_at_index\` on \`invitation\` (\`invited_by_id\`, \`created_at\`);`,
    );

    this.addSql(
      `alter table \`app_user\` add column \`org_role\` text check (\`org_role\` in ('owner', 'developer')) null;`,
    );
    // Members so far: the first of each organization becomes its Owner, the rest Developers.
    this.addSql(
      `update app_user set org_role = case when id = (select earliest.id from app_user earliest where earliest.organization_id = app_user.organization_id order by earliest.created_at, earliest.id limit 1) then 'owner' else 'developer' end where organization_id is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`invitation\`;`);
    this.addSql(`alter table \`app_user\` drop column \`org_role\`;`);
  }
}
