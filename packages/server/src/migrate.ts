/**
 * `migrate`: applies the migrations DATABASE_URL's database has not had yet, then exits. Run it once per
 * release, before the servers start; they refuse to run on an older schema (the embedded demo excepted,
 * which migrates itself).
 */
import { migrate, openDatabase } from './db/orm';
import { readEnv } from './env';

const db = await openDatabase(readEnv().DATABASE_URL);
try {
  const applied = await migrate(db);
  const where = db.dialect === 'sqlite' ? 'The embedded database' : 'The PostgreSQL database';
  console.log(
    applied.length > 0
      ? `${where}: applied ${applied.length} migration(s): ${applied.join(', ')}.`
      : `${where} is up to date.`,
  );
} finally {
  await db.close();
}
