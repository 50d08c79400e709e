import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialects, emptyDatabase, openTestDatabase, type TestDatabase } from '#test/harness';
import { type Database, migrate, openDatabase } from '../db/orm';
import { UsageRecorder } from './recorder';

const ENDPOINTS = ['GET /crm/v2/tenant/{tenant}/customers', 'GET /jpm/v2/tenant/{tenant}/jobs', 'POST /x'];
const STATUSES = [200, 201, 404, 429, 503];
const DAY_MS = 86_400_000;
const TODAY = Date.UTC(2026, 5, 10, 12);

type Counts = Record<string, number>;

/** Calls per app, day, environment, endpoint and outcome: the daily rows added up, and the rollup as stored. */
async function both(db: Database, appIds: string[]): Promise<{ daily: Counts; rollup: Counts }> {
  const connection = db.em().getConnection();
  const marks = appIds.map(() => '?').join(', ');
  const read = async (sql: string) => {
    const rows: Record<string, string | number>[] = await connection.execute(sql, appIds, 'all');
    return Object.fromEntries(
      rows.map((r) => [`${r.app_id} ${r.day} ${r.environment} ${r.endpoint} ${r.outcome}`, Number(r.calls)]),
    );
  };
  const key = 'app_id, day, environment, endpoint, outcome';
  return {
    daily: await read(
      `select ${key}, sum(calls) as calls from usage_daily where app_id in (${marks}) group by ${key}`,
    ),
    rollup: await read(`select ${key}, calls from usage_app_daily where app_id in (${marks})`),
  };
}

const total = (counts: Counts) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** The app's rollup of its daily calls (usage_app_daily), as the recorder writes both. */
describe.each(dialects)('usage rollup on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(() => t?.close());

  /** `n` calls of `appId` by many tenants, over three days, both environments, every outcome. */
  function record(usage: UsageRecorder, appId: string, n: number, seed = 0) {
    for (let i = 0; i < n; i++) {
      const k = i + seed;
      usage.recordCall(
        appId,
        String(100_000_000 + (k % 37)),
        k % 3 ? 'production' : 'integration',
        ENDPOINTS[k % ENDPOINTS.length]!,
        STATUSES[k % STATUSES.length]!,
        undefined,
        TODAY - (k % 3) * DAY_MS,
      );
    }
  }

  it('holds the sum of the daily rows of every app after each flush', async () => {
    const apps = [crypto.randomUUID(), crypto.randomUUID()];
    const usage = new UsageRecorder(t.db, 0);
    let recorded = 0;
    for (const [round, n] of [500, 1, 0, 2500].entries()) {
      for (const appId of apps) record(usage, appId, n, round);
      recorded += 2 * n;
      await usage.flush();
      const { daily, rollup } = await both(t.db, apps);
      expect(rollup).toEqual(daily);
      expect(total(rollup)).toBe(recorded);
    }
    // Each app on each day in each environment, to each endpoint, per outcome: one row, not one per tenant.
    expect(Object.keys((await both(t.db, apps)).rollup).length).toBeLessThanOrEqual(2 * 3 * 2 * 3 * 4);
    await usage.close();
  });

  it('counts every call once when two servers flush the same app at the same time', async () => {
    const appId = crypto.randomUUID();
    // Servers of a fleet share PostgreSQL, each with its own connections. SQLite serves one server, whose
    // writes queue on its connection: there, two recorders of that server overlap.
    const other = dialect === 'postgresql' ? await openDatabase(t.url) : t.db;
    const servers = [new UsageRecorder(t.db, 0), new UsageRecorder(other, 0)];
    try {
      for (let round = 0; round < 6; round++) {
        // The same tenants, days and endpoints on both, in another order on each.
        record(servers[0]!, appId, 700, round);
        record(servers[1]!, appId, 700, 350 + round);
        await Promise.all(servers.map((s) => s.flush()));
      }
      const { daily, rollup } = await both(t.db, [appId]);
      expect(rollup).toEqual(daily);
      expect(total(daily)).toBe(6 * 2 * 700);
    } finally {
      for (const s of servers) await s.close();
      if (other !== t.db) await other.close();
    }
  });

  it('counts a batch put back after an outage once, in the daily rows and the rollup alike', async () => {
    const appId = crypto.randomUUID();
    const usage = new UsageRecorder(t.db, 0);
    record(usage, appId, 300);
    // A call of a connection, whose last use is written after the counts: the database goes away then.
    usage.recordCall(appId, '985798691', 'integration', ENDPOINTS[0]!, 200, crypto.randomUUID(), TODAY);
    const connection = t.db.em().getConnection();
    const execute = connection.execute.bind(connection);
    const outage = vi.spyOn(connection, 'execute').mockImplementation((sql, ...rest) => {
      if (typeof sql === 'string' && /^update [`"]connection[`"]/.test(sql))
        return Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      return execute(sql, ...rest);
    });
    try {
      await expect(usage.flush()).rejects.toThrow(/ECONNRESET/);
      expect(outage).toHaveBeenCalled();
    } finally {
      outage.mockRestore();
    }
    expect(await both(t.db, [appId])).toEqual({ daily: {}, rollup: {} });
    await usage.flush();
    await usage.flush();
    const { daily, rollup } = await both(t.db, [appId]);
    expect(rollup).toEqual(daily);
    expect(total(rollup)).toBe(301);
    await usage.close();
  });

  it('is filled from the daily rows counted before it existed, and goes with its migration', async () => {
    const { url, drop } = await emptyDatabase(dialect);
    const db = await openDatabase(url);
    try {
      await db.orm.getMigrator().up({ to: 'm20261206000200-paging-audit' });
      const appId = crypto.randomUUID();
      const rows = [
        ['2026-06-01', '100200300', 'integration', ENDPOINTS[0], '2xx', 5],
        ['2026-06-01', '985798691', 'integration', ENDPOINTS[0], '2xx', 7],
        ['2026-06-01', '985798691', 'production', ENDPOINTS[0], '2xx', 1],
        ['2026-06-02', '', 'integration', 'unauthenticated', '4xx', 3],
        ['2026-06-02', '100200300', 'integration', ENDPOINTS[1], '5xx', 2],
      ] as const;
      for (const row of rows)
        await db
          .em()
          .getConnection()
          .execute(
            'insert into usage_daily (id, day, app_id, tenant_id, environment, endpoint, outcome, calls) values (?, ?, ?, ?, ?, ?, ?, ?)',
            [crypto.randomUUID(), row[0], appId, ...row.slice(1)],
            'run',
          );
      expect((await migrate(db))[0]).toBe('m20261206000300-usage-rollup');
      const filled = await both(db, [appId]);
      expect(filled.rollup).toEqual({
        [`${appId} 2026-06-01 integration ${ENDPOINTS[0]} 2xx`]: 12,
        [`${appId} 2026-06-01 production ${ENDPOINTS[0]} 2xx`]: 1,
        [`${appId} 2026-06-02 integration unauthenticated 4xx`]: 3,
        [`${appId} 2026-06-02 integration ${ENDPOINTS[1]} 5xx`]: 2,
      });
      expect(filled.rollup).toEqual(filled.daily);

      // Down to and including the rollup's migration: the later ones go first.
      await db.orm.getMigrator().down({ to: 'm20261206000300-usage-rollup' });
      await expect(both(db, [appId])).rejects.toThrow(/usage_app_daily/);
      await migrate(db);
      expect((await both(db, [appId])).rollup).toEqual(filled.rollup);
    } finally {
      await db.close();
      await drop();
    }
  });
});
