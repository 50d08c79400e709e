import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ADMIN2,
  type Caller,
  DEV,
  DEV2,
  dialects,
  openTestDatabase,
  REVIEWER,
  type TestDatabase,
} from '#test/harness';
import { seedDemo } from './demo';
import { seedWorld } from './world';

const GLENDALE = '985798691';
const SUMMIT = '100200300';

const daysAgo = (moment: Date | null | undefined) => (Date.now() - (moment?.getTime() ?? 0)) / 86_400_000;

/** The demo world, as every portal reads it through its routers. */
describe.each(dialects)('the demo world on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let seconds = 0;
  const appIds = new Map<string, string>();

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const started = performance.now();
    await seedWorld(t.db);
    seconds = (performance.now() - started) / 1000;
    dev = await t.as(DEV);
    for (const app of (await dev.apps.list({})).items) appIds.set(app.name, app.id);
  }, 60_000);
  afterAll(async () => t?.close());

  const appId = (name: string) => {
    const id = appIds.get(name);
    if (!id) throw new Error(`no app ${name}`);
    return id;
  };

  // About 1.5 s on SQLite on a quiet machine (the demo's first start); a busy one takes several times
  // longer, so the bound only catches a seed gone slow for good.
  it('is seeded in seconds', () => {
    expect(seconds).toBeLessThan(30);
  });

  it('is seeded once: a second start finds the demo users and seeds nothing', async () => {
    await expect(seedDemo(t.db.em())).resolves.toBe(false);
  });

  it("shows Acme's apps in every state, and only Acme's", async () => {
    const apps = (await dev.apps.list({})).items;
    expect(
      Object.fromEntries(apps.map((a) => [a.name, [a.kind, a.reviewStatus, a.latestVersion, a.tenantCount]])),
    ).toEqual({
      'Crew Scheduler': ['private', 'not_required', 1, 2],
      'Field Invoice Sync': ['public', 'approved', 3, 2],
      'Customer Portal Connector': ['public', 'pending', 1, 1],
      'Warranty Lookup': ['private', 'not_required', 1, 1],
      'Tech Timesheets': ['private', 'not_required', 1, 1],
    });
    const other = (await (await t.as(DEV2)).apps.list({})).items;
    expect(other.map((a) => [a.name, a.reviewStatus])).toEqual([['Route Planner Pro', 'approved']]);
  });

  it('keeps the version history of the approved app, and the reviewer reason of the resubmitted one', async () => {
    const versions = await dev.apps.versions({ appId: appId('Field Invoice Sync') });
    expect(versions.items.map((v) => [v.number, v.added, v.removed])).toEqual([
      [3, ['tn.acc.invoices:w', 'tn.crm.locations:r'], ['tn.acc.payments:r']],
      [2, ['tn.acc.payments:r'], []],
      [1, ['tn.acc.invoices:r', 'tn.crm.customers:r'], []],
    ]);
    expect(versions.items.map((v) => Math.round(daysAgo(v.createdAt)))).toEqual([6, 21, 40]);
    const notifications = await dev.notifications.list();
    expect(notifications.items.map((n) => n.message).join('\n')).toMatch(/Field Invoice Sync/);
    expect(notifications.items.map((n) => n.message).join('\n')).toMatch(/Customer Portal Connector/);
  });

  it('lists the connections of every state to the developer', async () => {
    const states = async (name: string) =>
      (await dev.apps.connections({ appId: appId(name) })).items.map((c) => [
        c.tenantId,
        c.environment,
        c.state,
        c.version,
      ]);
    expect(await states('Crew Scheduler')).toEqual(
      expect.arrayContaining([
        [GLENDALE, 'production', 'connected', 1],
        [GLENDALE, 'integration', 'connected', 1],
        [SUMMIT, 'production', 'connected', 1],
      ]),
    );
    expect(await states('Field Invoice Sync')).toEqual(
      expect.arrayContaining([
        [GLENDALE, 'production', 'connected', 3],
        [SUMMIT, 'production', 'connected', 1],
      ]),
    );
    expect(await states('Warranty Lookup')).toEqual(
      expect.arrayContaining([[GLENDALE, 'production', 'disabled', 1]]),
    );
  });

  it('gives each tenant admin their connections: a new version at Summit, a paused and a declined app at Glendale', async () => {
    const admin = await t.as(ADMIN);
    const glendale = (await admin.connections.list({ tenantId: GLENDALE, environment: 'production' })).items;
    expect(Object.fromEntries(glendale.map((c) => [c.appName, c.status]))).toEqual({
      'Crew Scheduler': 'connected',
      'Field Invoice Sync': 'connected',
      'Warranty Lookup': 'disabled',
      'Route Planner Pro': 'declined',
    });
    const admin2 = await t.as(ADMIN2);
    const summit = (await admin2.connections.list({ tenantId: SUMMIT, environment: 'production' })).items;
    const invoices = summit.find((c) => c.appName === 'Field Invoice Sync');
    expect(invoices).toMatchObject({ status: 'connected', acceptedVersion: 1, newVersionAvailable: true });
    const detail = await admin2.connections.get({ connectionId: invoices?.id ?? '' });
    expect(detail.upgrade).toMatchObject({ toVersion: 3 });
    const waiting = await admin2.connections.available({ tenantId: SUMMIT, environment: 'production' });
    expect(waiting.items.map((a) => a.name)).toEqual(['Tech Timesheets']);
    const log = await admin2.requests.connectionLog({ connectionId: invoices?.id ?? '', limit: 50 });
    expect(log.items.length).toBe(50);
    expect(log.items.every((line) => line.tenantId === SUMMIT || line.tenantId === null)).toBe(true);
    const trail = await admin.audit.list({ view: 'tenant', tenantId: GLENDALE });
    expect(trail.items.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'connection.allowed',
        'connection.upgraded',
        'connection.disabled',
        'connection.declined',
      ]),
    );
  });

  it('has the rejected-then-resubmitted app waiting in the review queue', async () => {
    const queue = await (await t.as(REVIEWER)).review.queue({});
    expect(queue.items.map((a) => a.name)).toEqual(['Customer Portal Connector']);
    expect(daysAgo(queue.items[0]?.submittedAt)).toBeCloseTo(2.3, 1);
  });

  it('reports 30 days of calls with errors, throttled days and an outage, with latency and a request log', async () => {
    const crew = appId('Crew Scheduler');
    const usage = await dev.apps.usage({ appId: crew });
    expect(usage.days.length).toBeGreaterThanOrEqual(29);
    const total = (outcome: '2xx' | '4xx' | '429' | '5xx') =>
      usage.days.reduce((sum, d) => sum + d.calls[outcome], 0);
    expect(total('2xx')).toBeGreaterThan(5000);
    for (const outcome of ['4xx', '429', '5xx'] as const) expect(total(outcome)).toBeGreaterThan(0);
    expect(usage.days.filter((d) => d.calls['429'] > 0).length).toBe(2);
    expect(new Set(usage.lines.map((l) => l.tenantId))).toEqual(new Set([GLENDALE, SUMMIT]));

    const latency = await dev.requests.appLatency({ appId: crew });
    expect(latency.rows.length).toBeGreaterThan(100);
    expect(latency.rows.every((r) => r.p50 !== null && r.p95 !== null && r.p95 >= r.p50)).toBe(true);
    const log = await dev.requests.appLog({ appId: crew, filters: { statusClass: '5xx' } });
    expect(log.items.length).toBeGreaterThan(0);
    expect(log.items[0]).toMatchObject({ status: 503, errorCode: 'temporarily_unavailable' });

    const advisor = await dev.requests.appScopeUse({ appId: appId('Field Invoice Sync') });
    expect(advisor.used.map((u) => u.scope).sort()).toEqual([
      'tn.acc.invoices:r',
      'tn.acc.invoices:w',
      'tn.crm.customers:r',
    ]);
    expect(advisor.unused).toEqual(['tn.crm.locations:r']);

    const refused = await dev.requests.appLog({
      appId: appId('Field Invoice Sync'),
      filters: { errorCode: 'insufficient_scope' },
    });
    expect(refused.items.every((l) => l.tenantId === SUMMIT)).toBe(true);
    const paused = await dev.apps.usage({ appId: appId('Warranty Lookup') });
    const lastDay = paused.days.at(-1)?.day ?? '';
    expect(lastDay < new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)).toBe(true);
  });
});
