import { Migration } from '@mikro-orm/migrations';

/** An app's row carries a revision, so that racing saves of its scopes are caught by optimistic locking. */
export class Migration20261203010000_app_revision extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table \`app\` add column \`revision\` integer not null default 1;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`app\` drop column \`revision\`;`);
  }
}
