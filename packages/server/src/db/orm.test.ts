import { describe, expect, it } from 'vitest';
import { dialects, emptyDatabase } from '#test/harness';
import { postgresqlMigrations } from './migrations/postgresql';
import { sqliteMigrations } from './migrations/sqlite';
import { migrate, openDatabase, pendingMigrations } from './orm';

describe.each(dialects)('migrations on %s', (dialect) => {
  it('are applied by migrate only, never by opening the database, and each only once', async () => {
    const { url, drop } = await emptyDatabase(dialect);
    const all = (dialect === 'sqlite' ? sqliteMigrations : postgresqlMigrations).map((m) => m.name);
    try {
      const db = await openDatabase(url);
      try {
        expect(await pendingMigrations(db)).toEqual(all);
        expect(await migrate(db)).toEqual(all);
        expect(await pendingMigrations(db)).toEqual([]);
        expect(await migrate(db)).toEqual([]);
      } finally {
        await db.close();
      }
      const reopened = await openDatabase(url);
      try {
        expect(await pendingMigrations(reopened)).toEqual([]);
      } finally {
        await reopened.close();
      }
    } finally {
      await drop();
    }
  });
});
