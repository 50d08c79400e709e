/**
 * `add-reviewer <email> <name…>`: adds a platform reviewer to DATABASE_URL's database and prints the
 * one-time link (72 hours) at which they set their password. A new production database has no users: the
 * first reviewer comes from here, and approves everyone else's Request Access.
 */
import { DomainError } from '@gatehouse/domain';
import { ZodError } from 'zod';
import { openDatabase, pendingMigrations } from './db/orm';
import { readEnv } from './env';
import { addReviewer } from './services/auth/reviewers';

const [email = '', ...names] = process.argv.slice(2);
const env = readEnv();
const db = await openDatabase(env.DATABASE_URL);
let failed = false;
try {
  const pending = await pendingMigrations(db);
  if (pending.length > 0)
    throw new DomainError('CONFLICT', 'The database lacks migrations: run migrate first.');
  const added = await addReviewer(db.em(), { email, name: names.join(' ') });
  const base = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  console.log(
    [
      `Reviewer ${email.trim().toLowerCase()} added. Send them this link to set their password`,
      `(it works once, until ${added.expiresAt.toISOString()}):`,
      `  ${base}/set-password?token=${encodeURIComponent(added.setupToken)}`,
    ].join('\n'),
  );
} catch (error) {
  failed = true;
  if (error instanceof ZodError)
    console.error(
      `usage: add-reviewer <email> <name>\n${error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  else if (error instanceof DomainError) console.error(error.message);
  else throw error;
} finally {
  await db.close();
}
if (failed) process.exitCode = 1;
