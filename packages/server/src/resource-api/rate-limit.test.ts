import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN, ADMIN2, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, callApi, connectApp, fetchToken, listen } from '#test/http-client';
import { REDIS_URL, redisUp } from '#test/redis';
import { UsageDaily } from '../db/entities';
import { loadSigningKeys } from '../oauth/keys';
import type { AccessTokenClaims } from '../oauth/token-format';
import { signAccessToken } from '../oauth/tokens';
import { addressKey, FailureLimiter, MemoryRateLimiter, RATE_LIMIT, type RateLimiter } from './rate-limit';

const T1 = '985798691';
const T2 = '100200300';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const list = (tenant: string) => `/integration/api/crm/v2/tenant/${tenant}/customers?pageSize=1`;

describe('MemoryRateLimiter', () => {
  it('lets exactly the limit through in any window, counting down what remains', () => {
    const limiter = new MemoryRateLimiter(60, 1000);
    const decisions = Array.from({ length: 100 }, (_, i) => limiter.take('a', 10_000 + i * 5));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    expect(decisions.slice(0, 60).map((d) => d.remaining)).toEqual(
      Array.from({ length: 60 }, (_, i) => 59 - i),
    );
    // The 61st call at t=10300 waits for the first (t=10000) to leave the window.
    expect(decisions[60]).toEqual({ allowed: false, limit: 60, remaining: 0, retryAfterMs: 700 });
    expect(decisions.slice(60).every((d) => !d.allowed && d.retryAfterMs > 0 && d.retryAfterMs <= 1000)).toBe(
      true,
    );
    void limiter.close();
  });

  it('slides: never twice the limit across a window boundary', () => {
    const limiter = new MemoryRateLimiter(60, 1000);
    for (let i = 0; i < 60; i++) expect(limiter.take('k', 900 + i).allowed).toBe(true);
    // Just past a fixed-window boundary nothing more is allowed…
    expect(Array.from({ length: 60 }, (_, i) => limiter.take('k', 1000 + i)).some((d) => d.allowed)).toBe(
      false,
    );
    // …until each earlier call is a full window old, one by one.
    expect(limiter.take('k', 1900).allowed).toBe(true);
    expect(limiter.take('k', 1900).allowed).toBe(false);
    expect(limiter.take('k', 1901).allowed).toBe(true);
    void limiter.close();
  });

  it('keeps a separate budget per key', () => {
    const limiter = new MemoryRateLimiter(2, 1000);
    expect(
      [
        limiter.take('app1:t1:integration', 0),
        limiter.take('app1:t1:integration', 1),
        limiter.take('app1:t1:integration', 2),
      ].map((d) => d.allowed),
    ).toEqual([true, true, false]);
    expect(limiter.take('app1:t2:integration', 3).allowed).toBe(true);
    expect(limiter.take('app2:t1:integration', 3).allowed).toBe(true);
    expect(limiter.take('app1:t1:production', 3).allowed).toBe(true);
    void limiter.close();
  });
});

describe('MemoryRateLimiter memory', () => {
  it('keeps at most maxKeys budgets: a new key evicts the oldest one, the others keep their count', () => {
    const limiter = new MemoryRateLimiter(1, 10_000, 3);
    for (const key of ['a', 'b', 'c']) expect(limiter.take(key, 0).allowed).toBe(true);
    expect(limiter.take('d', 1).allowed).toBe(true);
    // 'a' was evicted for 'd' and starts afresh; 'b' then goes for 'a', while 'c' and 'd' are still spent.
    expect(limiter.take('a', 2).allowed).toBe(true);
    expect([limiter.take('c', 3).allowed, limiter.take('d', 3).allowed]).toEqual([false, false]);
    void limiter.close();
  });
});

describe('FailureLimiter', () => {
  /** A limiter that holds an address after `calls` failures in a long window. */
  const failing = (calls: number, maxHeld?: number) =>
    new FailureLimiter(new MemoryRateLimiter(calls, 60_000), maxHeld);
  const failTimes = (limiter: FailureLimiter, address: string, times: number) => {
    for (let i = 0; i < times; i++) limiter.fail(address);
  };

  it('keys an IPv6 address by its /64, an IPv4 or IPv4-mapped address by the address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    const network = addressKey('2001:db8:0:7::1');
    expect(network).toBe('2001:db8:0:7::/64');
    for (const spelling of [
      '2001:0db8:0000:0007:ffff:1:2:3',
      '2001:DB8::7:0:0:0:9',
      '2001:db8:0:7:a::',
      '2001:db8:0:7::1%eth0',
      '2001:db8:0:7::203.0.113.7',
    ]) {
      expect(addressKey(spelling)).toBe(network);
    }
    expect(addressKey('2001:db8:0:8::1')).not.toBe(network);
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('holds back a whole IPv6 /64 once its addresses together fail too often; another /64 and IPv4 go on', () => {
    const limiter = failing(20);
    for (let i = 0; i < 20; i++) expect(limiter.fail(`2001:db8:0:7::${(i + 1).toString(16)}`)).toBe(0);
    expect(limiter.fail('2001:db8:0:7:ffff::1')).toBeGreaterThan(0);
    expect(limiter.waitMs('2001:db8:0:7:1234:5678:9abc:def0')).toBeGreaterThan(0);
    expect(limiter.waitMs('2001:db8:0:8::1')).toBe(0);
    expect(limiter.waitMs('203.0.113.7')).toBe(0);
    void limiter.close();
  });

  it('counts an IPv4-mapped address and its IPv4 address as one', () => {
    const limiter = failing(2);
    failTimes(limiter, '198.51.100.1', 2);
    expect(limiter.fail('::ffff:198.51.100.1')).toBeGreaterThan(0);
    expect(limiter.waitMs('198.51.100.1')).toBeGreaterThan(0);
    void limiter.close();
  });

  it('at the cap of held addresses, releases the oldest holds only: everyone else stays held', () => {
    const limiter = failing(1, 10);
    const addresses = Array.from({ length: 11 }, (_, i) => `198.51.100.${i + 1}`);
    for (const address of addresses) failTimes(limiter, address, 2);
    expect(limiter.waitMs(addresses[0]!)).toBe(0);
    for (const address of addresses.slice(1)) expect(limiter.waitMs(address), address).toBeGreaterThan(0);
    void limiter.close();
  });
});

type Party = ConnectedParty;

type Call = Awaited<ReturnType<typeof callApi>>;

describe.each(dialects)('rate limit and usage through HTTP on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let admin: Awaited<ReturnType<TestDatabase['as']>>;
  let admin2: Awaited<ReturnType<TestDatabase['as']>>;
  let appCount = 0;
  let decisions: number[];

  /** An app reading CRM customers, connected in integration on each tenant given. */
  async function connected(tenants: string[]): Promise<Party[]> {
    const { parties } = await connectApp(
      dev,
      (tenant) => (tenant === T1 ? admin : admin2),
      { name: `Throttled ${++appCount}`, tenantIds: [T1, T2], scopes: ['tn.crm.customers:r'] },
      tenants.map((tenant) => ({ tenant, env: 'integration' as const })),
    );
    return parties;
  }
  const tokenOf = async (p: Party, url = server.url) =>
    (await fetchToken(url, 'integration', p.clientId, p.clientSecret)).body.access_token as string;

  /** When each server's limiter was asked, to know whether a burst really fell within one window. */
  function watch(...servers: { app: { runtime: { limiter: RateLimiter } } }[]): number[] {
    const times: number[] = [];
    for (const { app } of servers) {
      const { limiter } = app.runtime;
      const take = limiter.take.bind(limiter);
      limiter.take = (key: string) => {
        times.push(performance.now());
        return take(key);
      };
    }
    return times;
  }

  /** One call of a burst: where, for which tenant, as which app. */
  interface Shot {
    url: string;
    tenant: string;
    token: string;
    appKey: string;
  }
  const shots = (n: number, shot: Omit<Shot, 'url'>, urls: string[] = [server.url]): Shot[] =>
    Array.from({ length: n }, (_, i) => ({ ...shot, url: urls[i % urls.length]! }));

  /**
   * Fires all shots at once; answers in firing order. A starved machine (client and server share one
   * event loop) may spread them over more than the window: then the budgets are left to empty and
   * the burst fired again, at most three times.
   */
  async function burst(
    fired: Shot[],
    decisions: number[],
  ): Promise<{ calls: Call[]; spanMs: number; attempts: Call[][] }> {
    const attempts: Call[][] = [];
    for (;;) {
      decisions.length = 0;
      const calls = await Promise.all(
        fired.map(({ url, tenant, token, appKey }) => callApi(url, list(tenant), { token, appKey })),
      );
      attempts.push(calls);
      const spanMs = Math.max(...decisions) - Math.min(...decisions);
      if (spanMs < 900 || attempts.length === 3) return { calls, spanMs, attempts };
      await sleep(1100);
    }
  }

  function expectExactlyLimited(calls: Call[], limit: number) {
    const passed = calls.filter((c) => c.status === 200);
    const throttled = calls.filter((c) => c.status === 429);
    expect({ passed: passed.length, throttled: throttled.length }).toEqual({
      passed: limit,
      throttled: calls.length - limit,
    });
    // Each pass saw its own share of the quota: 59, 58, … 0 remaining.
    expect(passed.map((c) => Number(c.headers.get('x-ratelimit-remaining'))).sort((x, y) => x - y)).toEqual(
      Array.from({ length: limit }, (_, i) => i),
    );
    for (const c of [...passed, ...throttled])
      expect(c.headers.get('x-ratelimit-limit')).toBe(String(RATE_LIMIT.calls));
    for (const c of throttled) {
      expect(c.body.error).toBe('rate_limited');
      expect(c.headers.get('x-ratelimit-remaining')).toBe('0');
      // The window is one second: the wait is never longer, and a header value is whole seconds.
      expect(c.headers.get('retry-after')).toBe('1');
    }
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    server = await listen(t);
    decisions = watch(server);
    [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('100 calls in one second for one app and tenant: exactly 60 pass, 40 get 429 with Retry-After; others are not affected', async () => {
    const [a1, a2] = await connected([T1, T2]);
    const [b1] = await connected([T1]);
    const [tokenA1, tokenA2, tokenB1] = await Promise.all([tokenOf(a1!), tokenOf(a2!), tokenOf(b1!)]);
    // Seed both tenants' demo data first, through other budgets, so the burst is quick.
    expect((await callApi(server.url, list(T1), { token: tokenB1, appKey: b1!.appKey })).status).toBe(200);
    expect((await callApi(server.url, list(T2), { token: tokenA2, appKey: a2!.appKey })).status).toBe(200);

    // The others fire in the same burst, interleaved: another app on the same tenant, the same app on another tenant.
    const fired = [...shots(100, { tenant: T1, token: tokenA1, appKey: a1!.appKey })];
    for (let i = 0; i < 10; i++) {
      fired.splice(
        i * 10 + 5,
        0,
        ...shots(1, { tenant: T1, token: tokenB1, appKey: b1!.appKey }),
        ...shots(1, { tenant: T2, token: tokenA2, appKey: a2!.appKey }),
      );
    }
    const { calls, spanMs } = await burst(fired, decisions);
    expect(spanMs, 'the limiter saw the calls within one second').toBeLessThan(1000);
    expectExactlyLimited(
      calls.filter((_, i) => fired[i]!.token === tokenA1),
      60,
    );
    expect(calls.filter((_, i) => fired[i]!.token !== tokenA1).map((c) => c.status)).toEqual(
      Array(20).fill(200),
    );

    // After Retry-After, the window has slid on.
    await sleep(1000);
    expect((await callApi(server.url, list(T1), { token: tokenA1, appKey: a1!.appKey })).status).toBe(200);
  });

  describe.runIf(redisUp)('shared through Redis', () => {
    let one: Awaited<ReturnType<typeof listen>>;
    let two: Awaited<ReturnType<typeof listen>>;
    let shared: number[];
    beforeAll(async () => {
      one = await listen(t, { redisUrl: REDIS_URL });
      // Instances of one deployment issue and accept tokens under the same public URL.
      two = await listen(t, { redisUrl: REDIS_URL, publicUrl: one.app.runtime.state.issuer.base });
      shared = watch(one, two);
    });
    afterAll(async () => {
      await one?.close();
      await two?.close();
    });

    it('two servers sharing Redis together let exactly 60 of 100 calls through', async () => {
      const [a1, a2] = await connected([T1, T2]);
      const [tokenA1, tokenA2] = await Promise.all([tokenOf(a1!, one.url), tokenOf(a2!, two.url)]);
      // Warm both servers' caches and the demo data on budgets the burst does not use.
      expect((await callApi(one.url, list(T2), { token: tokenA2, appKey: a2!.appKey })).status).toBe(200);
      expect((await callApi(two.url, list(T2), { token: tokenA2, appKey: a2!.appKey })).status).toBe(200);

      const { calls, spanMs } = await burst(
        shots(100, { tenant: T1, token: tokenA1, appKey: a1!.appKey }, [one.url, two.url]),
        shared,
      );
      expect(spanMs, 'the limiters saw the 100 calls within one second').toBeLessThan(1000);
      expectExactlyLimited(calls, 60);
      // Both servers took part in the limiting.
      expect(calls.filter((c, i) => i % 2 === 0 && c.status === 200).length).toBeGreaterThan(0);
      expect(calls.filter((c, i) => i % 2 === 1 && c.status === 200).length).toBeGreaterThan(0);
      expect((await callApi(two.url, list(T2), { token: tokenA2, appKey: a2!.appKey })).status).toBe(200);
    });
  });

  describe('usage', () => {
    const today = () => new Date().toISOString().slice(0, 10);
    const usageOf = async (appId: string) =>
      Object.fromEntries(
        (await t.db.em().find(UsageDaily, { appId })).map((r) => [
          `${r.day} ${r.tenantId} ${r.environment} ${r.endpoint} ${r.outcome}`,
          r.calls,
        ]),
      );

    it('counts calls per day, tenant, environment, endpoint and outcome; stamps last token, last call and secret use', async () => {
      const [u1, u2] = await connected([T1, T2]);
      const before = await admin.connections.get({ connectionId: u1!.connectionId });
      expect({
        lastTokenAt: before.lastTokenAt,
        lastCallAt: before.lastCallAt,
        lastUsedAt: before.secrets[0]!.lastUsedAt,
      }).toEqual({ lastTokenAt: null, lastCallAt: null, lastUsedAt: null });

      const [token1, token2] = await Promise.all([tokenOf(u1!), tokenOf(u2!)]);
      const appKey = u1!.appKey;
      const t2 = (suffix: string) => `/integration/api/crm/v2/tenant/${T2}/customers${suffix}`;
      // T1: a burst of 70 (60 × 2xx, 10 × 429, once or again), a bad token (proves no tenant: the app's unauthenticated bucket), and a call without a key (no app: not counted).
      const { attempts } = await burst(shots(70, { tenant: T1, token: token1, appKey }), decisions);
      const outcomes = attempts.flat().map((c) => c.status);
      expect(new Set(outcomes)).toEqual(new Set([200, 429]));
      expect(outcomes.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10);
      expect((await callApi(server.url, list(T1), { token: 'garbage', appKey })).status).toBe(401);
      expect((await callApi(server.url, list(T1), { token: token1 })).status).toBe(401);
      // T2: one record read (2xx), one unknown record (4xx), three writes without :w (4xx).
      expect((await callApi(server.url, t2('/301001'), { token: token2, appKey })).status).toBe(200);
      expect((await callApi(server.url, t2('/999999'), { token: token2, appKey })).status).toBe(404);
      for (let i = 0; i < 3; i++)
        expect(
          (
            await callApi(server.url, t2(''), {
              token: token2,
              appKey,
              method: 'POST',
              body: { name: 'No', type: 'Residential' },
            })
          ).status,
        ).toBe(403);

      await server.app.runtime.usage.flush();
      const day = today();
      const expected = {
        [`${day} ${T1} integration GET /crm/v2/tenant/{tenant}/customers 2xx`]: outcomes.filter(
          (status) => status === 200,
        ).length,
        [`${day} ${T1} integration GET /crm/v2/tenant/{tenant}/customers 429`]: outcomes.filter(
          (status) => status === 429,
        ).length,
        [`${day}  integration unauthenticated 4xx`]: 1,
        [`${day} ${T2} integration GET /crm/v2/tenant/{tenant}/customers/{id} 2xx`]: 1,
        [`${day} ${T2} integration GET /crm/v2/tenant/{tenant}/customers/{id} 4xx`]: 1,
        [`${day} ${T2} integration POST /crm/v2/tenant/{tenant}/customers 4xx`]: 3,
      };
      expect(await usageOf(u1!.appId)).toEqual(expected);

      // Later batches add to the same rows; an empty flush changes nothing.
      expect((await callApi(server.url, t2('/301002'), { token: token2, appKey })).status).toBe(200);
      await server.app.runtime.usage.flush();
      await server.app.runtime.usage.flush();
      expect(await usageOf(u1!.appId)).toEqual({
        ...expected,
        [`${day} ${T2} integration GET /crm/v2/tenant/{tenant}/customers/{id} 2xx`]: 2,
      });

      const recent = expect.toSatisfy(
        (d: Date | null) => d instanceof Date && Math.abs(d.getTime() - Date.now()) < 60_000,
      );
      for (const [caller, party] of [
        [admin, u1!],
        [admin2, u2!],
      ] as const) {
        const after = await caller.connections.get({ connectionId: party.connectionId });
        expect({
          lastTokenAt: after.lastTokenAt,
          lastCallAt: after.lastCallAt,
          lastUsedAt: after.secrets[0]!.lastUsedAt,
        }).toEqual({ lastTokenAt: recent, lastCallAt: recent, lastUsedAt: recent });
      }
    });

    it('keeps counting after one failed flush', async () => {
      const own = await listen(t);
      try {
        const [p] = await connected([T1]);
        const token = await tokenOf(p!, own.url);
        const { usage } = own.app.runtime;
        // A row the database refuses (the environment column is checked), standing in for any failed write.
        usage.recordCall(p!.appId, T1, 'staging' as 'integration', 'GET /poison', 200);
        await expect(usage.flush()).rejects.toThrow();
        expect((await callApi(own.url, list(T1), { token, appKey: p!.appKey })).status).toBe(200);
        await usage.flush();
        expect(await usageOf(p!.appId)).toEqual({
          [`${today()} ${T1} integration GET /crm/v2/tenant/{tenant}/customers 2xx`]: 1,
        });
      } finally {
        await own.close().catch(() => undefined);
      }
    });

    it('a call naming no valid tenant neither breaks the usage report nor lands in it', async () => {
      const [p] = await connected([T1]);
      const token = await tokenOf(p!);
      for (const tenant of ['9'.repeat(40), 'abc', '0985798691']) {
        expect((await callApi(server.url, list(tenant), { token, appKey: p!.appKey })).status).toBe(401);
      }
      expect((await callApi(server.url, list(T1), { token, appKey: p!.appKey })).status).toBe(200);
      await server.app.runtime.usage.flush();
      // The token proved no such tenant: those calls count in the app's unauthenticated bucket only.
      expect(await usageOf(p!.appId)).toEqual({
        [`${today()} ${T1} integration GET /crm/v2/tenant/{tenant}/customers 2xx`]: 1,
        [`${today()}  integration unauthenticated 4xx`]: 3,
      });
    });

    it('200 calls with a valid app key, a garbage token and 200 made-up tenants make one bounded row, and no tenant of theirs reaches the report', async () => {
      const flooded = await listen(t, { failureLimit: { calls: 100_000, windowMs: 1000 } });
      try {
        const [p] = await connected([T1]);
        const token = await tokenOf(p!, flooded.url);
        const madeUp = Array.from({ length: 200 }, (_, i) => String(800_000_000 + i));
        for (let i = 0; i < madeUp.length; i += 25) {
          const answers = await Promise.all(
            madeUp
              .slice(i, i + 25)
              .map((tenant) => callApi(flooded.url, list(tenant), { token: 'garbage', appKey: p!.appKey })),
          );
          expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
        }
        // A real token for T1 at T2's path proves T1, not T2: not counted under T2.
        expect((await callApi(flooded.url, list(T2), { token, appKey: p!.appKey })).status).toBe(401);
        // An unknown app key counts nowhere.
        expect(
          (
            await callApi(flooded.url, list(T1), {
              token: 'garbage',
              appKey: 'ghk_unknown000000000000000000000',
            })
          ).status,
        ).toBe(401);
        expect((await callApi(flooded.url, list(T1), { token, appKey: p!.appKey })).status).toBe(200);
        await flooded.app.runtime.usage.flush();
        expect(await usageOf(p!.appId)).toEqual({
          [`${today()}  integration unauthenticated 4xx`]: 201,
          [`${today()} ${T1} integration GET /crm/v2/tenant/{tenant}/customers 2xx`]: 1,
        });
        // The report: one line of unauthenticated calls besides T1's, and no made-up Tenant ID to find.
        const report = await dev.apps.usage({ appId: p!.appId, days: 30 });
        expect(report.lines.map((l) => [l.tenantId, l.endpoint, l.calls['2xx'], l.calls['4xx']])).toEqual([
          ['', 'unauthenticated', 0, 201],
          [T1, 'GET /crm/v2/tenant/{tenant}/customers', 1, 0],
        ]);
        expect(report.nextCursor).toBeNull();
        expect(report.days.map((d) => [d.day, d.calls['4xx']])).toEqual([[today(), 201]]);
        const madeUpTenant = await dev.apps.usage({ appId: p!.appId, days: 30, tenantIdPrefix: '8000001' });
        expect(madeUpTenant).toMatchObject({ days: [], lines: [], nextCursor: null });
      } finally {
        await flooded.close();
      }
    });
  });

  it('the usage report of an app called by 70 tenants for 30 days: every call in the chart, the lines a page at a time by Tenant ID', async () => {
    const [p] = await connected([T1]);
    const { usage } = server.app.runtime;
    const customers = 'GET /crm/v2/tenant/{tenant}/customers';
    const tenants = Array.from({ length: 70 }, (_, i) => String(900_000_000 + i));
    for (let ago = 0; ago < 30; ago++)
      for (const tenant of tenants) {
        const at = Date.now() - ago * 86_400_000;
        usage.recordCall(p!.appId, tenant, 'integration', customers, 200, undefined, at);
        if (tenant.endsWith('7'))
          usage.recordCall(p!.appId, tenant, 'production', customers, 503, undefined, at);
      }
    await usage.flush();
    const first = await dev.apps.usage({ appId: p!.appId, days: 30 });
    // Every day of the period, all of its calls: 70 a day, and 7 server errors.
    expect(first.days).toHaveLength(30);
    expect(first.days.every((d) => d.calls['2xx'] === 70 && d.calls['5xx'] === 7)).toBe(true);
    expect(first.endpoints).toEqual([customers]);
    // 77 lines: 50 on the first page, the rest on the next, by Tenant ID then environment.
    const second = await dev.apps.usage({ appId: p!.appId, days: 30, cursor: first.nextCursor! });
    expect(second.nextCursor).toBeNull();
    const lines = [...first.lines, ...second.lines];
    expect(first.lines).toHaveLength(50);
    expect(lines.map((l) => `${l.tenantId} ${l.environment}`)).toEqual(
      tenants.flatMap((t) =>
        t.endsWith('7') ? [`${t} integration`, `${t} production`] : [`${t} integration`],
      ),
    );
    expect(lines.every((l) => l.calls['2xx'] + l.calls['5xx'] === 30)).toBe(true);
    // Narrowed to Tenant IDs starting 90000001 and to Production, the chart counts only theirs.
    const narrowed = await dev.apps.usage({
      appId: p!.appId,
      days: 30,
      tenantIdPrefix: '90000001',
      environment: 'production',
    });
    expect(narrowed.lines.map((l) => l.tenantId)).toEqual(['900000017']);
    expect(narrowed.days.every((d) => d.calls['5xx'] === 1 && d.calls['2xx'] === 0)).toBe(true);
    // A week is a week of the same days.
    expect((await dev.apps.usage({ appId: p!.appId, days: 7 })).days).toEqual(first.days.slice(-7));
  });

  describe('failed authentication per client address', () => {
    // Twenty failures in ten seconds: the rule of the default (twenty a second), with a window no slow machine outlasts.
    const failureLimit = { calls: 20, windowMs: 10_000 };
    const elsewhere = '203.0.113.7';

    it('the resource API holds an address back after 20 failures: 429 with Retry-After before any check; successes never count; other addresses go on', async () => {
      const guarded = await listen(t, { failureLimit });
      try {
        const [p] = await connected([T1]);
        const token = await tokenOf(p!, guarded.url);
        for (let i = 0; i < 30; i++)
          expect((await callApi(guarded.url, list(T1), { token, appKey: p!.appKey })).status).toBe(200);
        const failures = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            callApi(guarded.url, list(T1), { token: `forged${i}`, appKey: p!.appKey }),
          ),
        );
        expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));
        // The failure that goes over the limit is answered 429 already.
        const over = await callApi(guarded.url, list(T1), { token: 'forged-over', appKey: p!.appKey });
        expect({ status: over.status, retryAfter: over.headers.get('retry-after') }).toEqual({
          status: 429,
          retryAfter: expect.stringMatching(/^([1-9]|10)$/),
        });

        // From now on nothing from this address is checked: no signature verification, whatever it sends.
        const { state } = guarded.app.runtime;
        let verified = 0;
        const verify = state.verify.bind(state);
        state.verify = (candidate: string) => {
          verified++;
          return verify(candidate);
        };
        const held = await Promise.all([
          ...Array.from({ length: 5 }, (_, i) =>
            callApi(guarded.url, list(T1), { token: `forged-again${i}`, appKey: p!.appKey }),
          ),
          callApi(guarded.url, list(T1), { token, appKey: p!.appKey }),
        ]);
        for (const answer of held) {
          expect({ status: answer.status, error: answer.body.error }).toEqual({
            status: 429,
            error: 'rate_limited',
          });
          expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(10);
        }
        expect(verified).toBe(0);

        // A client at another address is not affected.
        const other = await guarded.app.inject({
          method: 'GET',
          url: list(T1),
          headers: { authorization: `Bearer ${token}`, 'st-app-key': p!.appKey },
          remoteAddress: elsewhere,
        });
        expect(other.statusCode).toBe(200);
      } finally {
        await guarded.close();
      }
    });

    it("a tenant's revoked secret never holds the address back: its dead token answers 401 every time, and the app's other tenant goes on", async () => {
      const guarded = await listen(t, { failureLimit });
      try {
        const [p1, p2] = await connected([T1, T2]);
        const [dead, good] = await Promise.all([tokenOf(p1!, guarded.url), tokenOf(p2!, guarded.url)]);
        expect((await callApi(guarded.url, list(T1), { token: dead, appKey: p1!.appKey })).status).toBe(200);
        const { secrets } = await admin.connections.get({ connectionId: p1!.connectionId });
        await admin.connections.revokeSecret({ connectionId: p1!.connectionId, secretId: secrets[0]!.id });
        // A token that proved its app and tenant is no forgery: 30 calls from one address, more than the limit of failures.
        const answers = await Promise.all(
          Array.from({ length: 30 }, () =>
            callApi(guarded.url, list(T1), { token: dead, appKey: p1!.appKey }),
          ),
        );
        expect(answers.map((a) => `${a.status} ${a.body.error}`)).toEqual(
          Array(30).fill('401 invalid_token'),
        );
        expect((await callApi(guarded.url, list(T2), { token: good, appKey: p2!.appKey })).status).toBe(200);
      } finally {
        await guarded.close();
      }
    });

    it('a batch whose tokens expire together is not held back: each expired token answers 401, and a fresh one works from the same address', async () => {
      const guarded = await listen(t, { failureLimit });
      try {
        const [p] = await connected([T1]);
        const keys = await loadSigningKeys(t.db.em());
        const {
          iat: _iat,
          exp: _exp,
          jti: _jti,
          ...claims
        } = decodeJwt(await tokenOf(p!, guarded.url)) as unknown as AccessTokenClaims;
        // Thirty jobs' tokens, each working while it lives.
        const batch = await Promise.all(
          Array.from({ length: 30 }, async () => (await signAccessToken(keys, claims)).token),
        );
        for (const token of batch)
          expect((await callApi(guarded.url, list(T1), { token, appKey: p!.appKey })).status).toBe(200);
        vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 901_000 });
        const answers = await Promise.all(
          batch.map((token) => callApi(guarded.url, list(T1), { token, appKey: p!.appKey })),
        );
        expect(answers.map((a) => `${a.status} ${a.body.error}`)).toEqual(
          Array(30).fill('401 invalid_token'),
        );
        const fresh = (await signAccessToken(keys, claims, Math.floor(Date.now() / 1000))).token;
        expect((await callApi(guarded.url, list(T1), { token: fresh, appKey: p!.appKey })).status).toBe(200);
      } finally {
        vi.useRealTimers();
        await guarded.close();
      }
    });

    it('behind a trusted proxy the forwarded address is the one held back, not the proxy', async () => {
      const guarded = await listen(t, { failureLimit, trustProxy: ['127.0.0.1'] });
      try {
        const [p] = await connected([T1]);
        const token = await tokenOf(p!, guarded.url);
        const from = (client: string, bearer: string) =>
          guarded.app.inject({
            method: 'GET',
            url: list(T1),
            headers: {
              authorization: `Bearer ${bearer}`,
              'st-app-key': p!.appKey,
              'x-forwarded-for': client,
            },
          });
        const failures = await Promise.all(
          Array.from({ length: 21 }, (_, i) => from('198.51.100.1', `forged${i}`)),
        );
        expect(failures.map((f) => f.statusCode).sort()).toEqual([...Array(20).fill(401), 429]);
        expect((await from('198.51.100.1', token)).statusCode).toBe(429);
        // Another client behind the same proxy goes on.
        expect((await from('198.51.100.2', token)).statusCode).toBe(200);
      } finally {
        await guarded.close();
      }
    });

    it.runIf(redisUp)(
      'instances sharing Redis share the count: 20 failures spread over two servers, and the next one on either is held back',
      async () => {
        const redis = new Redis(REDIS_URL);
        const key = 'gh:fail:127.0.0.1';
        await redis.del(key);
        const one = await listen(t, { redisUrl: REDIS_URL, failureLimit });
        const two = await listen(t, {
          redisUrl: REDIS_URL,
          failureLimit,
          publicUrl: one.app.runtime.state.issuer.base,
        });
        try {
          const [p] = await connected([T1]);
          const failures = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              callApi(i % 2 ? two.url : one.url, list(T1), { token: `forged${i}`, appKey: p!.appKey }),
            ),
          );
          expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));
          for (const url of [one.url, two.url]) {
            const over = await callApi(url, list(T1), { token: 'forged-over', appKey: p!.appKey });
            expect({ status: over.status, error: over.body.error }).toEqual({
              status: 429,
              error: 'rate_limited',
            });
            expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
          }
        } finally {
          await one.close();
          await two.close();
          await redis.del(key);
          redis.disconnect();
        }
      },
    );

    it('the token endpoint holds an address back after 20 failed client authentications; other addresses go on', async () => {
      const guarded = await listen(t, { failureLimit });
      try {
        const [p] = await connected([T1]);
        const basic = (secret: string) => ({
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${p!.clientId}:${secret}`).toString('base64')}`,
        });
        const ask = (secret: string) =>
          fetch(`${guarded.url}/integration/connect/token`, {
            method: 'POST',
            headers: basic(secret),
            body: 'grant_type=client_credentials',
          });
        for (let i = 0; i < 10; i++) expect((await ask(p!.clientSecret)).status).toBe(200);
        const failures = await Promise.all(Array.from({ length: 20 }, () => ask('ghs_wrong')));
        expect(failures.map((f) => f.status)).toEqual(Array(20).fill(401));
        for (const secret of ['ghs_wrong', p!.clientSecret]) {
          const held = await ask(secret);
          expect(held.status).toBe(429);
          expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(held.headers.get('cache-control')).toBe('no-store');
          expect(((await held.json()) as { error: string }).error).toBe('rate_limited');
        }
        const other = await guarded.app.inject({
          method: 'POST',
          url: '/integration/connect/token',
          headers: basic(p!.clientSecret),
          payload: 'grant_type=client_credentials',
          remoteAddress: elsewhere,
        });
        expect(other.statusCode).toBe(200);
      } finally {
        await guarded.close();
      }
    });
  });
});
