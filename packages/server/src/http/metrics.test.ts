import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, callApi, connectApp, fetchToken, listen } from '#test/http-client';
import { pairKeyOf } from '../oauth/token-format';
import { buildServer } from './server';

/** One sample of a scrape: the value of `name{labels}`, or undefined when it is not there. */
function sample(scrape: string, name: string, labels = ''): number | undefined {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = scrape.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

const CUSTOMERS = '/integration/api/crm/v2/tenant/985798691/customers';
const LIST_ROUTE = '/integration/api/:area/v2/tenant/:tenant/:resource';

describe.each(dialects)('metrics on %s', (dialect) => {
  let t: TestDatabase;
  let party: ConnectedParty;
  let server: Awaited<ReturnType<typeof listen>>;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const admin = await t.as(ADMIN);
    const { parties } = await connectApp(
      await t.as(DEV),
      () => admin,
      { name: 'Measured', tenantIds: ['985798691'], scopes: ['tn.crm.customers:r'] },
      [{ tenant: '985798691', env: 'integration' }],
    );
    party = parties[0]!;
    const app = await buildServer({
      db: t.db,
      logLevel: 'warn',
      usageFlushMs: 0,
      metricsAt: { host: '127.0.0.1', port: 0 },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    metricsUrl = app.runtime.metrics.url!;
    server = { app, url, close: () => app.close() };
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const scrape = async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  it('serves them on their own port only, next to the process metrics', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(server.url);
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(await (await fetch(`${server.url}/metrics`)).text()).not.toContain('gatehouse_');
    expect((await fetch(`${metricsUrl}/anything-else`)).status).toBe(404);
  });

  it('counts requests by route template and status, with the token and gate latencies by environment', async () => {
    const unmatched = 'route="unmatched",method="GET",status="404"';
    const unmatchedBefore = sample(await scrape(), 'gatehouse_http_requests_total', unmatched) ?? 0;
    const token = await fetchToken(server.url, 'integration', party.clientId, party.clientSecret);
    expect(token.status).toBe(200);
    for (const id of [1, 2, 3])
      expect(
        (
          await callApi(server.url, `${CUSTOMERS}?page=${id}&pageSize=1`, {
            token: token.body.access_token,
            appKey: party.appKey,
          })
        ).status,
      ).toBe(200);
    expect((await callApi(server.url, `${CUSTOMERS}?pageSize=1`, { appKey: party.appKey })).status).toBe(401);
    expect((await fetch(`${server.url}/integration/no-such-thing`)).status).toBe(404);

    const text = await scrape();
    const requests = (labels: string) => sample(text, 'gatehouse_http_requests_total', labels);
    expect(requests('route="/integration/connect/token",method="POST",status="200"')).toBe(1);
    expect(requests(`route="${LIST_ROUTE}",method="GET",status="200"`)).toBe(3);
    expect(requests(`route="${LIST_ROUTE}",method="GET",status="401"`)).toBe(1);
    expect(requests(unmatched)).toBe(unmatchedBefore + 1);
    const count = (name: string) => sample(text, `${name}_count`, 'environment="integration"');
    expect(count('gatehouse_token_request_duration_seconds')).toBe(1);
    expect(count('gatehouse_gate_request_duration_seconds')).toBe(4);
    expect(
      sample(text, 'gatehouse_gate_request_duration_seconds_sum', 'environment="integration"'),
    ).toBeGreaterThan(0);
  });

  it('counts the 429s of the resource API', async () => {
    const token = await fetchToken(server.url, 'integration', party.clientId, party.clientSecret);
    // The pair's whole second of calls, taken at once (a loaded machine may not send 60 calls in one).
    const { limiter } = server.app.runtime;
    for (let i = 0; i < 60; i++) await limiter.take(pairKeyOf(party.appId, '985798691', 'integration'));
    const calls = await Promise.all(
      Array.from({ length: 5 }, () =>
        callApi(server.url, `${CUSTOMERS}?pageSize=1`, {
          token: token.body.access_token,
          appKey: party.appKey,
        }),
      ),
    );
    const limited = calls.filter((call) => call.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(sample(await scrape(), 'gatehouse_rate_limit_rejections_total', 'environment="integration"')).toBe(
      limited,
    );
  });

  it('reads the caches, the change feed and the usage flushes when scraped', async () => {
    await fetchToken(server.url, 'integration', party.clientId, party.clientSecret);
    await server.app.runtime.usage.flush();
    const text = await scrape();
    expect(sample(text, 'gatehouse_cache_hits_total', 'cache="clients"')).toBeGreaterThan(0);
    expect(sample(text, 'gatehouse_cache_misses_total', 'cache="clients"')).toBeGreaterThan(0);
    expect(sample(text, 'gatehouse_events_dispatched_total')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'gatehouse_events_last_sync_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(sample(text, 'gatehouse_usage_flush_duration_seconds_count')).toBe(1);
  });

  it('keeps each server’s counts in its own registry', async () => {
    const other = await buildServer({ db: t.db, logLevel: 'warn', usageFlushMs: 0 });
    await other.inject({ method: 'GET', url: '/healthz' });
    const own = await other.runtime.metrics.registry.metrics();
    await other.close();
    expect(sample(own, 'gatehouse_http_requests_total', 'route="/healthz",method="GET",status="200"')).toBe(
      1,
    );
    expect(own).not.toContain('/integration/connect/token');
  });
});

describe('metrics of a fleet whose Redis is away', () => {
  it('count the rate-limit decisions each instance made on its own', async () => {
    const t = await openTestDatabase('sqlite');
    try {
      const admin = await t.as(ADMIN);
      const {
        parties: [party],
      } = await connectApp(
        await t.as(DEV),
        () => admin,
        { name: 'Alone', tenantIds: ['985798691'], scopes: ['tn.crm.customers:r'] },
        [{ tenant: '985798691', env: 'integration' }],
      );
      // Nothing listens on port 1: every Redis command fails at once, and the limiter decides alone.
      const server = await listen(t, { redisUrl: 'redis://127.0.0.1:1' });
      try {
        const token = await fetchToken(server.url, 'integration', party!.clientId, party!.clientSecret);
        const call = await callApi(server.url, `${CUSTOMERS}?pageSize=1`, {
          token: token.body.access_token,
          appKey: party!.appKey,
        });
        expect(call.status).toBe(200);
        const text = await server.app.runtime.metrics.registry.metrics();
        expect(sample(text, 'gatehouse_rate_limit_fallback_total', 'limiter="rate limit"')).toBeGreaterThan(
          0,
        );
      } finally {
        await server.close();
      }
    } finally {
      await t.close();
    }
  });
});
