/**
 * `migrate`: applies the migrations DATABASE_URL's database has not had yet, then exits. Run it once per
 * release, before the servers start; they refuse to run on an older schema (the embedded demo excepted,
 * which migrates itself).
 */
import { migrate, openDatabase } from './db/orm';
import { readEnv } from './env';

// A migration may rightly take long: no query timeout here.
const db = await openDatabase(readEnv().DATABASE_URL, { queryTimeoutMs: 0 });
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
