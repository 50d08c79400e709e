import {
  compareUsageLines,
  keptByFilter,
  noCalls,
  type OutcomeCounts,
  UNAUTHENTICATED_ENDPOINT,
  type UsageFilter,
  type UsageOutcome,
} from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  type TestDatabase,
} from '#test/harness';
import { sqlStatementsSent } from '../../db/orm';
import { addCalls } from '../../usage/writes';

const CUSTOMERS = 'GET /crm/v2/tenant/{tenant}/customers';
const JOBS = 'GET /jpm/v2/tenant/{tenant}/jobs';
const INVOICES = 'GET /acc/v2/tenant/{tenant}/invoices';
const T1 = '985798691';
const T2 = '100200300';
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const none = noCalls();

type Environment = 'integration' | 'production';
type Row = [daysAgo: number, tenantId: string, environment: Environment, string, UsageOutcome, number];
type Report = Awaited<ReturnType<Caller['apps']['usage']>>;
type Input = Omit<Parameters<Caller['apps']['usage']>[0], 'appId'>;

/** What the report should say of `rows` over the last 30 days: the chart and every line, in order. */
function expected(rows: Row[], filter: UsageFilter) {
  const kept = rows.filter(
    ([daysAgo, tenantId, environment, endpoint]) =>
      daysAgo < 30 && keptByFilter({ tenantId, environment, endpoint }, filter),
  );
  const days = new Map<string, OutcomeCounts>();
  const lines = new Map<
    string,
    { tenantId: string; environment: string; endpoint: string; calls: OutcomeCounts }
  >();
  for (const [daysAgo, tenantId, environment, endpoint, outcome, calls] of kept) {
    const d = days.get(day(daysAgo)) ?? noCalls();
    d[outcome] += calls;
    days.set(day(daysAgo), d);
    const key = `${tenantId}|${environment}|${endpoint}`;
    const line = lines.get(key) ?? { tenantId, environment, endpoint, calls: noCalls() };
    line.calls[outcome] += calls;
    lines.set(key, line);
  }
  return {
    days: [...days].map(([d, calls]) => ({ day: d, calls })).sort((a, b) => (a.day < b.day ? -1 : 1)),
    lines: [...lines.values()].sort(compareUsageLines),
  };
}

/** API Usage Report: the chart of every call the filters keep, and the lines a page at a time in Tenant ID order. */
describe.each(dialects)('apps.usage on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appCount = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
  });
  afterAll(async () => t?.close());

  /** An app whose calls are `rows`, written as the usage recorder writes them. */
  async function appWith(rows: Row[]) {
    const app = await dev.apps.create({
      name: `Busy App ${++appCount}`,
      homePageUrl: 'https://acme.example',
      tenantIds: [],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    await t.db.em().transactional((em) =>
      addCalls(
        em,
        rows.map(([daysAgo, tenantId, environment, endpoint, outcome, calls]) => ({
          id: crypto.randomUUID(),
          day: day(daysAgo),
          appId: app.id,
          tenantId,
          environment,
          endpoint,
          outcome,
          calls,
        })),
      ),
    );
    return app.id;
  }

  async function walk(appId: string, input: Input): Promise<Report[]> {
    const pages: Report[] = [];
    let cursor: string | undefined;
    do {
      const page = await dev.apps.usage({ appId, ...input, cursor });
      pages.push(page);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 200);
    return pages;
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
        [45, T1, 'integration', INVOICES, '2xx', 1000], // before the window
      ]);
      // Another app's calls are never counted.
      await appWith([[0, T1, 'integration', CUSTOMERS, '2xx', 500]]);
    });

    it('draws calls per day by outcome, and lists the lines by Tenant ID, the unauthenticated calls first', async () => {
      const report = await dev.apps.usage({ appId, days: 30 });
      expect(report).toEqual({
        from: day(29),
        to: day(0),
        days: [
          { day: day(5), calls: { ...none, '4xx': 3 } },
          { day: day(2), calls: { ...none, '2xx': 4, '5xx': 2 } },
          { day: day(0), calls: { ...none, '2xx': 7, '4xx': 1 } },
        ],
        lines: [
          {
            tenantId: '',
            environment: 'integration',
            endpoint: UNAUTHENTICATED_ENDPOINT,
            calls: { ...none, '4xx': 3 },
          },
          { tenantId: T2, environment: 'integration', endpoint: JOBS, calls: { ...none, '5xx': 2 } },
          {
            tenantId: T1,
            environment: 'integration',
            endpoint: CUSTOMERS,
            calls: { ...none, '2xx': 7, '4xx': 1 },
          },
          { tenantId: T1, environment: 'production', endpoint: CUSTOMERS, calls: { ...none, '2xx': 4 } },
        ],
        nextCursor: null,
        // Only the endpoints called within the period.
        endpoints: [CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT],
      });
      // A shorter period leaves the older days out; a longer one takes them in.
      expect((await dev.apps.usage({ appId, days: 2 })).days.map((d) => d.day)).toEqual([day(0)]);
      const long = await dev.apps.usage({ appId, days: 90 });
      expect(long.endpoints).toEqual([INVOICES, CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT].sort());
      expect(long.days[0]).toEqual({ day: day(45), calls: { ...none, '2xx': 1000 } });
    });

    it('narrows the chart and the lines by the start of a Tenant ID, an environment or an endpoint, and offers every endpoint still', async () => {
      const byTenant = await dev.apps.usage({ appId, days: 30, tenantIdPrefix: '9857' });
      expect(byTenant.days).toEqual([
        { day: day(2), calls: { ...none, '2xx': 4 } },
        { day: day(0), calls: { ...none, '2xx': 7, '4xx': 1 } },
      ]);
      expect(byTenant.lines.map((l) => [l.tenantId, l.environment])).toEqual([
        [T1, 'integration'],
        [T1, 'production'],
      ]);
      expect(byTenant.endpoints).toEqual([CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT]);
      expect((await dev.apps.usage({ appId, days: 30, tenantIdPrefix: T2 })).lines).toHaveLength(1);
      expect(await dev.apps.usage({ appId, days: 30, tenantIdPrefix: '42' })).toMatchObject({
        days: [],
        lines: [],
        nextCursor: null,
        endpoints: [CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT],
      });

      const unauthenticated = await dev.apps.usage({ appId, days: 30, unauthenticated: true });
      expect(unauthenticated.days).toEqual([{ day: day(5), calls: { ...none, '4xx': 3 } }]);
      expect(unauthenticated.lines.map((l) => [l.tenantId, l.endpoint])).toEqual([
        ['', UNAUTHENTICATED_ENDPOINT],
      ]);

      const production = await dev.apps.usage({ appId, days: 30, environment: 'production' });
      expect(production.days).toEqual([{ day: day(2), calls: { ...none, '2xx': 4 } }]);
      const jobs = await dev.apps.usage({ appId, days: 30, endpoint: JOBS, tenantIdPrefix: '1' });
      expect(jobs.lines.map((l) => [l.tenantId, l.endpoint])).toEqual([[T2, JOBS]]);
      const nothing = await dev.apps.usage({ appId, days: 30, endpoint: JOBS, tenantIdPrefix: T1 });
      expect(nothing).toMatchObject({
        days: [],
        lines: [],
        endpoints: [CUSTOMERS, JOBS, UNAUTHENTICATED_ENDPOINT],
      });
    });

    it('refuses filters, periods and pages out of shape', async () => {
      for (const input of [
        { days: 0 },
        { days: 91 },
        { tenantIdPrefix: 'abc' },
        { tenantIdPrefix: '1'.repeat(19) },
        { tenantIdPrefix: '985', unauthenticated: true },
        { environment: 'staging' as 'production' },
        { endpoint: 'x'.repeat(121) },
        { limit: 0 },
        { limit: 201 },
      ])
        expect((await rejection(dev.apps.usage({ appId, ...input }))).code, JSON.stringify(input)).toBe(
          'BAD_REQUEST',
        );
    });

    it('answers another organization, other roles and no session as elsewhere', async () => {
      const foreign = await rejection((await t.as(DEV2)).apps.usage({ appId, days: 30 }));
      expect(foreign).toEqual({ code: 'NOT_FOUND', message: 'App not found', fieldErrors: null });
      for (const email of [ADMIN, REVIEWER])
        expect((await rejection((await t.as(email)).apps.usage({ appId, days: 30 }))).code).toBe('FORBIDDEN');
      expect((await rejection(t.anonymous().apps.usage({ appId, days: 30 }))).code).toBe('UNAUTHORIZED');
    });
  });

  describe('many lines', () => {
    const rows: Row[] = [];
    let appId: string;
    let otherAppId: string;
    beforeAll(async () => {
      // 160 tenants of one to nine digits (text order is not number order), in one or both environments,
      // on one to three endpoints, over 35 days; and the app's unauthenticated calls.
      const endpoints = [CUSTOMERS, INVOICES, JOBS];
      for (let i = 0; i < 160; i++) {
        const tenantId = String((i * 7_919_011) % 10 ** (1 + (i % 9)));
        for (const environment of i % 4
          ? (['production'] as const)
          : (['integration', 'production'] as const))
          for (const endpoint of endpoints.slice(0, 1 + (i % 3)))
            for (const daysAgo of [i % 35, (i * 3) % 35]) {
              rows.push([daysAgo, tenantId, environment, endpoint, '2xx', 1 + (i % 17)]);
              if (i % 5 === 0)
                rows.push([daysAgo, tenantId, environment, endpoint, i % 2 ? '429' : '5xx', 2]);
            }
      }
      for (const daysAgo of [1, 3, 40])
        rows.push([daysAgo, '', 'production', UNAUTHENTICATED_ENDPOINT, '4xx', 9]);
      // The same key twice in one batch is refused by the database; the recorder never sends one.
      const seen = new Set<string>();
      const unique = rows.filter((r) => {
        const key = `${day(r[0])}|${r[1]}|${r[2]}|${r[3]}|${r[4]}`;
        return !seen.has(key) && seen.add(key);
      });
      rows.splice(0, rows.length, ...unique);
      appId = await appWith(rows);
      otherAppId = await appWith([[0, T1, 'integration', CUSTOMERS, '2xx', 1]]);
    });

    it('walks every line once, in Tenant ID, environment and endpoint order, whatever the filters', async () => {
      for (const filter of [
        {},
        { tenantIdPrefix: '1' },
        { tenantIdPrefix: '13' },
        { unauthenticated: true },
        { environment: 'integration' as const },
        { endpoint: INVOICES },
        { endpoint: JOBS, environment: 'production' as const, tenantIdPrefix: '3' },
        { endpoint: UNAUTHENTICATED_ENDPOINT },
      ]) {
        const pages = await walk(appId, { days: 30, limit: 7, ...filter });
        const want = expected(rows, filter);
        expect(want.lines.length, JSON.stringify(filter)).toBeGreaterThan(0);
        expect(
          pages.flatMap((p) => p.lines),
          JSON.stringify(filter),
        ).toEqual(want.lines);
        expect(pages.slice(0, -1).every((p) => p.lines.length === 7 && p.nextCursor)).toBe(true);
        expect(pages.at(-1)!.nextCursor).toBeNull();
        // Every page draws the whole chart of the calls the filters keep.
        for (const page of [pages[0]!, pages.at(-1)!])
          expect(page.days, JSON.stringify(filter)).toEqual(want.days);
      }
    });

    it('shows 50 lines a page unless asked otherwise', async () => {
      const first = await dev.apps.usage({ appId, days: 30 });
      expect(first.lines).toEqual(expected(rows, {}).lines.slice(0, 50));
      const second = await dev.apps.usage({ appId, days: 30, cursor: first.nextCursor! });
      expect(second.lines).toEqual(expected(rows, {}).lines.slice(50, 100));
    });

    it('refuses a page link of another filter, period, app or list as invalid input', async () => {
      const ofAll = (await dev.apps.usage({ appId, days: 30, limit: 5 })).nextCursor!;
      const ofPrefix = (await dev.apps.usage({ appId, days: 30, limit: 5, tenantIdPrefix: '1' })).nextCursor!;
      const ofList = (await dev.apps.list({ limit: 1 })).nextCursor!;
      const ofConnections = (await dev.apps.connections({ appId: otherAppId, limit: 1 })).nextCursor;
      for (const [label, input] of [
        ['garbage', { appId, cursor: 'garbage' }],
        ['not ours', { appId, cursor: Buffer.from('["x","1","production","GET /"]').toString('base64url') }],
        ['another prefix', { appId, cursor: ofPrefix, tenantIdPrefix: '2' }],
        ['a prefix dropped', { appId, cursor: ofPrefix }],
        ['another endpoint', { appId, cursor: ofAll, endpoint: CUSTOMERS }],
        ['the unauthenticated calls', { appId, cursor: ofAll, unauthenticated: true }],
        ['another period', { appId, cursor: ofAll, days: 7 }],
        ['another app', { appId: otherAppId, cursor: ofAll }],
        ['My Apps', { appId, cursor: ofList }],
        ...(ofConnections ? ([['View Connections', { appId, cursor: ofConnections }]] as const) : []),
      ] as const) {
        const failure = await rejection(dev.apps.usage({ days: 30, ...input }));
        expect(failure.code, label).toBe('BAD_REQUEST');
        expect(failure.message, label).toMatch(/first page/);
      }
    });
  });

  it('answers a busy app in a few kilobytes and as many SQL statements as a quiet one', async () => {
    // 30 days of 350 tenants, each calling two of twelve endpoints a day: 21,000 rows.
    const endpoints = Array.from({ length: 12 }, (_, i) => `GET /crm/v2/tenant/{tenant}/resource${i}`);
    const rows: Row[] = [];
    let total = 0;
    for (let daysAgo = 0; daysAgo < 30; daysAgo++)
      for (let tenant = 0; tenant < 350; tenant++)
        for (const e of [tenant % 12, (tenant + 5) % 12]) {
          const calls = 1 + ((tenant * 7 + e + daysAgo) % 50);
          total += calls;
          rows.push([daysAgo, String(100_000_000 + tenant), 'production', endpoints[e]!, '2xx', calls]);
        }
    const busy = await appWith(rows);
    const quiet = await appWith([[0, T1, 'integration', CUSTOMERS, '2xx', 1]]);
    const statements = async (input: Parameters<Caller['apps']['usage']>[0]) => {
      const before = sqlStatementsSent();
      const report = await dev.apps.usage(input);
      return { report, statements: sqlStatementsSent() - before };
    };
    const small = await statements({ appId: quiet, days: 30 });
    const big = await statements({ appId: busy, days: 30 });
    const cursor = (await walk(busy, { days: 30, limit: 200 })).at(-2)!.nextCursor!;
    const late = await statements({ appId: busy, days: 30, limit: 200, cursor });
    const narrowed = await statements({
      appId: busy,
      days: 30,
      tenantIdPrefix: '1000001',
      endpoint: endpoints[3]!,
    });
    for (const other of [big, late, narrowed]) expect(other.statements).toBe(small.statements);
    const { report } = big;
    expect(JSON.stringify(report).length).toBeLessThan(64_000);
    expect(report.days).toHaveLength(30);
    expect(report.days.reduce((sum, d) => sum + d.calls['2xx'], 0)).toBe(total);
    expect(report.lines).toHaveLength(50);
    expect(report.lines[0]).toMatchObject({ tenantId: '100000000', endpoint: endpoints[0] });
    expect(report.nextCursor).not.toBeNull();
    expect(report.endpoints).toEqual([...endpoints].sort());
    expect(late.report.lines.at(-1)).toMatchObject({ tenantId: '100000349' });
    // Tenants 100000100 to 100000199 that call the fourth endpoint: the twelfth of them, and the twelfth five on.
    expect(narrowed.report.lines.map((l) => l.tenantId)).toEqual(
      Array.from({ length: 100 }, (_, i) => 100 + i)
        .filter((tenant) => tenant % 12 === 3 || (tenant + 5) % 12 === 3)
        .map((tenant) => String(100_000_000 + tenant)),
    );
  });
});
