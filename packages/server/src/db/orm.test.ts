import { describe, expect, it } from 'vitest';
import { dialects, emptyDatabase, openTestDatabase } from '#test/harness';
import { ServerMetrics } from '../ops/metrics';
import { User } from './entities';
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

describe.each(dialects)('statement count on %s', (dialect) => {
  it('counts every statement sent, a transaction’s begin and commit included, as the metrics scrape it', async () => {
    const t = await openTestDatabase(dialect);
    const metrics = new ServerMetrics();
    const scraped = async () => {
      const line = (await metrics.registry.metrics())
        .split('\n')
        .find((l) => l.startsWith('gatehouse_sql_statements_total '));
      return Number(line?.split(' ')[1]);
    };
    try {
      const before = await scraped();
      expect(before).toBeGreaterThan(0);
      await t.db.em().findOneOrFail(User, { email: 'dev@gatehouse.test' });
      expect(await scraped()).toBe(before + 1);
      await t.db.em().transactional(async (tx) => {
        await tx.find(User, { isReviewer: true });
        await tx.count(User, {});
      });
      expect(await scraped()).toBe(before + 5);
    } finally {
      await t.close();
    }
  });
});
