/**
 * Writes the next migration for both dialects from the entity definitions:
 * `pnpm --filter @gatehouse/server run make-migration <name>`.
 * Each dialect is brought up to date in a scratch database, then diffed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MikroORM as LibSqlOrm } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { entities } from '../src/db/entities';
import { postgresqlMigrations } from '../src/db/migrations/postgresql';
import { sqliteMigrations } from '../src/db/migrations/sqlite';
import { withScratchPostgres } from './scratch-postgres';

const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  console.error('usage: make-migration <kebab-name>');
  process.exit(2);
}
const here = path.join(import.meta.dirname, '..', 'src', 'db');

function migrationsOptions(dialect: 'sqlite' | 'postgresql', list: typeof sqliteMigrations) {
  return {
    path: path.join(here, 'migrations', dialect),
    pathTs: path.join(here, 'migrations', dialect),
    migrationsList: list,
    snapshot: false,
    emit: 'ts' as const,
    fileName: (timestamp: string) => `m${timestamp}-${name}`,
  };
}

async function generate(
  orm: Awaited<ReturnType<typeof LibSqlOrm.init>> | Awaited<ReturnType<typeof PostgresOrm.init>>,
  dialect: 'sqlite' | 'postgresql',
) {
  await orm.getMigrator().up();
  const result = await orm
    .getMigrator()
    .createMigration(path.join(here, 'migrations', dialect), false, false, name);
  console.log(`${dialect}: ${result.fileName || 'no changes'}`);
  await orm.close(true);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-migrate-'));
await generate(
  await LibSqlOrm.init({
    entities,
    extensions: [Migrator],
    dbName: path.join(dir, 'scratch.db'),
    migrations: migrationsOptions('sqlite', sqliteMigrations),
  }),
  'sqlite',
);
await withScratchPostgres(
  process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  async (url) => {
    await generate(
      await PostgresOrm.init({
        entities,
        extensions: [Migrator],
        clientUrl: url,
        migrations: migrationsOptions('postgresql', postgresqlMigrations),
      }),
      'postgresql',
    );
  },
);
console.log('Add the new files to migrations/<dialect>/index.ts.');
