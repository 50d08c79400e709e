import { LATENCY_BOUNDS_MS } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '#test/harness';
import {
  CUSTOMERS_ROUTE,
  customers,
  type RequestLogRig,
  requestLogRig,
  storedRequestIds,
  T1,
  T2,
} from '#test/requests';
import { LatencyDaily } from '../db/entities';
import { dayBefore, TOKEN_ROUTE } from './line';

const DAY_MS = 86_400_000;

describe.each(dialects)('latency, scope use and retention (%s)', (dialect) => {
  let rig: RequestLogRig;
  beforeAll(async () => {
    // On the writer thread, as a busy server writes (request-log.test.ts covers both).
    rig = await requestLogRig(dialect, { threadFrom: 1 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('gives p50 and p95 per endpoint for today out of real calls, per app and per connection', async () => {
    const { t1, t2 } = await rig.app('Timed App', ['tn.crm.customers:r']);
    const started = Date.now();
    for (let i = 0; i < 6; i++) await rig.call(t1, customers(T1));
    for (let i = 0; i < 2; i++) await rig.call(t2, customers(T2));
    const slowest = Date.now() - started;
    await rig.flush();
    const today = dayBefore(Date.now(), 0);

    const app = await rig.dev.requests.appLatency({ appId: t1.appId, days: 7 });
    expect(app.from).toBe(dayBefore(Date.now(), 6));
    expect(app.to).toBe(today);
    const calls = app.rows.find((row) => row.endpoint === CUSTOMERS_ROUTE);
    expect(calls).toMatchObject({ day: today, calls: 8 });
    // Bucket bounds: at least the smallest, at most the bound above the slowest call seen from outside.
    const ceiling = LATENCY_BOUNDS_MS.find((bound) => bound >= slowest) ?? LATENCY_BOUNDS_MS.at(-1)!;
    expect(calls!.p50).toBeGreaterThanOrEqual(LATENCY_BOUNDS_MS[0]);
    expect(calls!.p95).toBeGreaterThanOrEqual(calls!.p50!);
    expect(calls!.p95).toBeLessThanOrEqual(ceiling);
    // The rig's token requests, one per connection, are an endpoint of their own.
    expect(app.rows.find((row) => row.endpoint === TOKEN_ROUTE)).toMatchObject({ calls: 2 });

    const oneTenant = await rig.dev.requests.appLatency({ appId: t1.appId, days: 1, tenantId: T2 });
    expect(oneTenant.rows.find((row) => row.endpoint === CUSTOMERS_ROUTE)?.calls).toBe(2);
    const production = await rig.dev.requests.appLatency({ appId: t1.appId, environment: 'production' });
    expect(production.rows).toEqual([]);
    const connection = await rig.admin.requests.connectionLatency({ connectionId: t1.connectionId, days: 1 });
    expect(connection.rows.map(({ endpoint, calls }) => [endpoint, calls])).toEqual(
      [
        [CUSTOMERS_ROUTE, 6],
        [TOKEN_ROUTE, 1],
      ].sort(),
    );
  });

  it('names the scopes calls used and leaves those none needed, for the app and for each connection', async () => {
    const scopes = ['tn.crm.customers:r', 'tn.crm.locations:r', 'tn.acc.invoices:r'];
    const { t1, t2 } = await rig.app('Advised App', scopes);
    const before = Date.now();
    await rig.call(t1, customers(T1));
    await rig.call(t2, `/integration/api/crm/v2/tenant/${T2}/locations?pageSize=1`);
    // Refused calls use nothing: a scope the app lacks, and a token of another tenant.
    await rig.call(t1, customers(T1), { method: 'POST', body: { name: 'N', type: 'Residential' } });
    await rig.call(t1, `/integration/api/accounting/v2/tenant/${T2}/invoices`);
    await rig.flush();

    const app = await rig.dev.requests.appScopeUse({ appId: t1.appId });
    expect(app.version).toBe(1);
    expect(app.used.map((use) => use.scope)).toEqual(['tn.crm.customers:r', 'tn.crm.locations:r']);
    expect(app.unused).toEqual(['tn.acc.invoices:r']);
    for (const use of app.used) {
      expect(use.lastUsedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(use.lastUsedAt.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect(app.since.getTime()).toBeCloseTo(Date.now() - 30 * DAY_MS, -4);

    const inT1 = await rig.admin.requests.connectionScopeUse({ connectionId: t1.connectionId });
    // In the version's own order (the catalog's).
    expect(inT1).toMatchObject({ version: 1, unused: ['tn.acc.invoices:r', 'tn.crm.locations:r'] });
    expect(inT1.used.map((use) => use.scope)).toEqual(['tn.crm.customers:r']);
    const inT2 = await rig.admin2.requests.connectionScopeUse({ connectionId: t2.connectionId });
    expect(inT2.used.map((use) => use.scope)).toEqual(['tn.crm.locations:r']);
    expect(inT2.unused).toEqual(['tn.acc.invoices:r', 'tn.crm.customers:r']);

    // A new version's scope starts unused.
    await rig.dev.apps.saveScopes({ appId: t1.appId, scopes: [...scopes, 'tn.crm.leads:r'] });
    const v2 = await rig.dev.requests.appScopeUse({ appId: t1.appId });
    expect(v2).toMatchObject({ version: 2, unused: ['tn.acc.invoices:r', 'tn.crm.leads:r'] });
  });

  it('deletes lines past their retention and latency days past 90, and keeps the rest', async () => {
    const { t1 } = await rig.app('Old App', ['tn.crm.customers:r']);
    const log = rig.server.app.runtime.requestLog;
    const now = Date.now();
    const line = (ageDays: number, requestId: string) => ({
      at: now - ageDays * DAY_MS,
      requestId,
      kind: 'api' as const,
      appId: t1.appId,
      tenantId: T1,
      environment: 'integration' as const,
      method: 'GET',
      route: CUSTOMERS_ROUTE,
      status: 200,
      errorCode: null,
      latencyMs: 3,
      scope: null,
    });
    for (const [age, id] of [
      [91, 'ninety-one-days'],
      [31, 'thirty-one-days'],
      [29, 'twenty-nine-days'],
      [0, 'today'],
    ] as const)
      log.push(line(age, id));
    await log.flush();
    const ids = async () =>
      (await rig.dev.requests.appLog({ appId: t1.appId, filters: {} })).items.map((l) => l.requestId);
    expect(await ids()).toEqual(expect.arrayContaining(['today', 'twenty-nine-days', 'thirty-one-days']));
    const days = async () =>
      [
        ...new Set((await rig.t.db.em().find(LatencyDaily, { appId: t1.appId })).map((row) => row.day)),
      ].sort();
    expect(await days()).toEqual([91, 31, 29, 0].map((age) => dayBefore(now, age)));

    await log.prune(now);
    expect(await ids()).not.toEqual(expect.arrayContaining(['thirty-one-days']));
    expect(await ids()).toEqual(expect.arrayContaining(['today', 'twenty-nine-days']));
    expect(await storedRequestIds(rig.t.db.em(), t1.appId)).not.toContain('ninety-one-days');
    expect(await days()).toEqual([31, 29, 0].map((age) => dayBefore(now, age)));
  });
});
