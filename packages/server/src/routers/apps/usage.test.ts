import { UNAUTHENTICATED_ENDPOINT } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, DEV, dialects, openTestDatabase, rejection, type TestDatabase } from '#test/harness';
import { UsageDaily } from '../../db/entities';
import { sqlStatementsSent } from '../../db/orm';

const CUSTOMERS = 'GET /crm/v2/tenant/{tenant}/customers';
const JOBS = 'GET /jpm/v2/tenant/{tenant}/jobs';
const T1 = '985798691';
const T2 = '100200300';
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const none = { '2xx': 0, '4xx': 0, '429': 0, '5xx': 0 };

type Row = [
  daysAgo: number,
  tenantId: string,
  environment: 'integration' | 'production',
  string,
  string,
  number,
];

/** API Usage Report: the app's calls added up in the database, narrowed by tenant, environment or endpoint. */
describe.each(dialects)('apps.usage on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
  });
  afterAll(async () => t?.close());

  async function appWith(rows: Row[]) {
    const app = await dev.apps.create({
      name: `Busy App ${++appCount}`,
      homePageUrl: 'https://acme.example',
      tenantIds: [],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    const em = t.db.em();
    for (let i = 0; i < rows.length; i += 2000)
      await em.insertMany(
        UsageDaily,
        rows.slice(i, i + 2000).map(([daysAgo, tenantId, environment, endpoint, outcome, calls]) => ({
          id: crypto.randomUUID(),
          day: day(daysAgo),
          appId: app.id,
          tenantId,
          environment,
          endpoint,
          outcome,
          calls,
        })),
      );
    return app.id;
  }

  describe('a few lines', () => {
    let appId: string;
    beforeAll(async () => {
      appId = await appWith([
        [0, T1, 'integration', CUSTOMERS, '2xx', 7],
        [0, T1, 'integration', CUSTOMERS, '4xx', 1],
        [2, T1, 'production', CUSTOMERS, '2xx', 4],
        [2, T2, 'integration', JOBS, '5xx', 2],
        [5, '', 'integration', UNAUTHENTICATED_ENDPOINT, '4xx', 3],
        [45, T1, 'integration', CUSTOMERS, '2xx', 1000], // before the window
      ]);
      // Another app's calls are never counted.
      await appWith([[0, T1, 'integration', CUSTOMERS, '2xx', 500]]);
    });

    it('draws calls per day by outcome, and the lines busiest first', async () => {
      const report = await dev.apps.usage({ appId, days: 30 });
      expect(report.days).toEqual([
        { day: day(5), calls: { ...none, '4xx': 3 } },
        { day: day(2), calls: { ...none, '2xx': 4, '5xx': 2 } },
        { day: day(0), calls: { ...none, '2xx': 7, '4xx': 1 } },
      ]);
      expect(report.lines.map((l) => [l.tenantId, l.environment, l.endpoint, l.calls])).toEqual([
        [T1, 'integration', CUSTOMERS, { ...none, '2xx': 7, '4xx': 1 }],
        [T1, 'production', CUSTOMERS, { ...none, '2xx': 4 }],
        ['', 'integration', UNAUTHENTICATED_ENDPOINT, { ...none, '4xx': 3 }],
        [T2, 'integration', JOBS, { ...none, '5xx': 2 }],
      ]);
      expect(report).toMatchObject({
        moreLines: false,
        tenants: ['', T2, T1],
        moreTenants: false,
        endpoints: [CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT],
      });
      // A shorter period leaves the older days out.
      expect((await dev.apps.usage({ appId, days: 2 })).days.map((d) => d.day)).toEqual([day(0)]);
    });

    it('narrows the chart and the table to a tenant, an environment or an endpoint, and offers every choice still', async () => {
      const byTenant = await dev.apps.usage({ appId, days: 30, tenantId: T1 });
      expect(byTenant.days).toEqual([
        { day: day(2), calls: { ...none, '2xx': 4 } },
        { day: day(0), calls: { ...none, '2xx': 7, '4xx': 1 } },
      ]);
      expect(byTenant.lines.map((l) => l.environment)).toEqual(['integration', 'production']);
      expect(byTenant.tenants).toEqual(['', T2, T1]);
      expect(byTenant.endpoints).toEqual([CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT]);

      const unauthenticated = await dev.apps.usage({ appId, days: 30, tenantId: '' });
      expect(unauthenticated.days).toEqual([{ day: day(5), calls: { ...none, '4xx': 3 } }]);
      expect(unauthenticated.lines.map((l) => l.endpoint)).toEqual([UNAUTHENTICATED_ENDPOINT]);

      const production = await dev.apps.usage({ appId, days: 30, environment: 'production' });
      expect(production.days).toEqual([{ day: day(2), calls: { ...none, '2xx': 4 } }]);
      const jobs = await dev.apps.usage({ appId, days: 30, endpoint: JOBS, tenantId: T2 });
      expect(jobs.lines.map((l) => [l.tenantId, l.endpoint])).toEqual([[T2, JOBS]]);
      const nothing = await dev.apps.usage({ appId, days: 30, endpoint: JOBS, tenantId: T1 });
      expect(nothing).toMatchObject({ days: [], lines: [], tenants: ['', T2, T1] });
    });

    it('refuses filters and periods out of shape', async () => {
      for (const input of [
        { days: 0 },
        { days: 91 },
        { tenantId: 'abc' },
        { tenantId: '1'.repeat(19) },
        { environment: 'staging' as 'production' },
        { endpoint: 'x'.repeat(121) },
      ])
        expect((await rejection(dev.apps.usage({ appId, ...input }))).code, JSON.stringify(input)).toBe(
          'BAD_REQUEST',
        );
    });
  });

  it('answers a busy app in a few kilobytes and as many SQL statements as a quiet one', async () => {
    // 30 days of 300 tenants, each calling two of twelve endpoints a day: 18,000 rows.
    const endpoints = Array.from({ length: 12 }, (_, i) => `GET /crm/v2/tenant/{tenant}/resource${i}`);
    const rows: Row[] = [];
    let total = 0;
    for (let daysAgo = 0; daysAgo < 30; daysAgo++)
      for (let tenant = 0; tenant < 300; tenant++)
        for (const e of [tenant % 12, (tenant + 5) % 12]) {
          const calls = 1 + ((tenant * 7 + e + daysAgo) % 50);
          total += calls;
          rows.push([daysAgo, String(100_000_000 + tenant), 'production', endpoints[e]!, '2xx', calls]);
        }
    const busy = await appWith(rows);
    const quiet = await appWith([[0, T1, 'integration', CUSTOMERS, '2xx', 1]]);
    const statements = async (appId: string) => {
      const before = sqlStatementsSent();
      const report = await dev.apps.usage({ appId, days: 30 });
      return { report, statements: sqlStatementsSent() - before };
    };
    const [big, small] = [await statements(busy), await statements(quiet)];
    expect(big.statements).toBe(small.statements);
    const { report } = big;
    expect(JSON.stringify(report).length).toBeLessThan(64_000);
    expect(report.days).toHaveLength(30);
    expect(report.days.reduce((sum, d) => sum + d.calls['2xx'], 0)).toBe(total);
    expect(report.lines).toHaveLength(100);
    expect(report.moreLines).toBe(true);
    const totals = report.lines.map((l) => l.calls['2xx']);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(report.tenants).toHaveLength(300);
    expect(report.endpoints).toEqual([...endpoints].sort());
  });
});
