import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '#test/harness';
import { callApi } from '#test/http-client';
import { customers, type Party, PUBLIC_URL, type RequestLogRig, requestLogRig, T1, T2 } from '#test/requests';
import { ChangeEvent, RateLimitHit } from '../db/entities';
import { type Database, openDatabase } from '../db/orm';
import { buildServer } from '../http/server';
import { dayBefore } from './line';

const DAY_MS = 86_400_000;

describe.each(dialects)('the first rate-limit refusal of a day (%s)', (dialect) => {
  let rig: RequestLogRig;
  /**
   * On PostgreSQL, a second instance on the same database with a rate limit of its own (as without
   * Redis). The embedded database serves one instance: there both bursts go to the same server.
   */
  let other: { db: Database; app: FastifyInstance; url: string } | null = null;
  beforeAll(async () => {
    rig = await requestLogRig(dialect);
    if (dialect !== 'postgresql') return;
    const db = await openDatabase(rig.t.url);
    const app = await buildServer({ db, logLevel: 'warn', usageFlushMs: 0, publicUrl: PUBLIC_URL });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    other = { db, app, url: `http://127.0.0.1:${address.port}` };
  });
  afterAll(async () => {
    await other?.app.close();
    await other?.db.close();
    await rig?.close();
  });
  const otherUrl = () => other?.url ?? rig.url;
  const otherApp = () => other?.app ?? rig.server.app;

  /**
   * Far more calls at once than the 60 a second a pair may make, on one instance, until some are refused
   * (a machine busy enough to answer fewer than 60 a second refuses none of a burst); their statuses.
   */
  const burst = async (url: string, party: Party, path: string) => {
    const statuses: number[] = [];
    for (let tries = 0; tries < 5 && !statuses.includes(429); tries++) {
      const answers = await Promise.all(
        Array.from({ length: 150 }, () =>
          callApi(url, `${path}?pageSize=1`, { token: party.token, appKey: party.appKey }),
        ),
      );
      statuses.push(...answers.map((answer) => answer.status));
    }
    return statuses;
  };
  const settled = () =>
    Promise.all([rig.server.app, otherApp()].map((app) => app.runtime.requestLog.rateLimitHits.settled()));
  const events = (appId: string) =>
    rig.t.db.em().find(ChangeEvent, { type: 'connection.rate_limited', appId }, { orderBy: { seq: 'asc' } });

  it('tells one event per app, tenant and day, however many 429s and instances', async () => {
    const { t1, t2 } = await rig.app('Busy App', ['tn.crm.customers:r']);
    // Each instance limits on its own (no Redis): both refuse, and both see a first refusal today.
    for (const url of [rig.url, otherUrl(), rig.url]) {
      const statuses = await burst(url, t1, customers(T1));
      expect(statuses).toContain(429);
      expect(statuses.filter((status) => status !== 429 && status !== 200)).toEqual([]);
    }
    await settled();

    const today = dayBefore(Date.now(), 0);
    const told = await events(t1.appId);
    expect(
      told.map(({ tenantId, environment, connectionId, data }) => ({
        tenantId,
        environment,
        connectionId,
        data,
      })),
    ).toEqual([
      { tenantId: T1, environment: 'integration', connectionId: t1.connectionId, data: { day: today } },
    ]);
    expect(await rig.t.db.em().count(RateLimitHit, { appId: t1.appId })).toBe(1);

    // The same app in another tenant is another pair: its own event.
    expect(await burst(otherUrl(), t2, customers(T2))).toContain(429);
    await settled();
    expect((await events(t1.appId)).map((event) => event.tenantId)).toEqual([T1, T2]);

    // The refusals are in the log as what the client got.
    await rig.flush();
    const limited = await rig.dev.requests.appLog({
      appId: t1.appId,
      filters: { errorCode: 'rate_limited' },
    });
    expect(limited.items.length).toBeGreaterThan(0);
    expect(new Set(limited.items.map((line) => line.status))).toEqual(new Set([429]));
  });

  it('tells the event again on the next UTC day', async () => {
    const { t1 } = await rig.app('Daily App', ['tn.crm.customers:r']);
    const hits = rig.server.app.runtime.requestLog.rateLimitHits;
    const pair = `${t1.appId}:${T1}:integration`;
    const now = Date.now();
    hits.refused(pair, t1.connectionId, now);
    hits.refused(pair, t1.connectionId, now + 1000);
    hits.refused(pair, t1.connectionId, now + DAY_MS);
    // Another instance that saw the same day's first refusal finds the row there, and tells nothing.
    otherApp().runtime.requestLog.rateLimitHits.refused(pair, t1.connectionId, now + DAY_MS);
    await settled();
    const days = (await events(t1.appId)).map((event) => event.data?.day).sort();
    expect(days).toEqual([dayBefore(now, 0), dayBefore(now + DAY_MS, 0)]);
  });
});
