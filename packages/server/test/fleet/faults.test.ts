import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV } from '../harness';
import {
  ABOUT_60,
  type Answer,
  busiestSecond,
  gatedRead,
  hammer,
  load,
  metric,
  portalSession,
  type Run,
  scrape,
  sleep,
  steadyRate,
  tokenRequest,
  untilRefused,
  WITHIN_MS,
} from './calls';
import { type Fleet, missingServices, type Party, startFleet, T1, T2 } from './fleet';

/**
 * How long the fleet has to come back by itself once PostgreSQL or Redis returns: a new database
 * connection at the next query, Redis at the limiter's next reconnection attempt (at most a second
 * apart), with room for a loaded machine.
 */
const RECOVERY_MS = 5000;

/** The statuses the answers of each instance held. */
const statusesBy = (answers: Answer[]) => ({
  A: new Set(answers.filter((answer) => answer.instance === 'A').map((answer) => answer.status)),
  B: new Set(answers.filter((answer) => answer.instance === 'B').map((answer) => answer.status)),
});

/** Polls `check` every 100 ms until it holds; the milliseconds that took, or null past `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await sleep(100);
  }
  return null;
}

describe.skipIf(missingServices)('faults: PostgreSQL or Redis away from a running fleet', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ proxies: true, metrics: true });
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(fleet.logs());
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('PostgreSQL cut under load: the portals answer 503, the gate serves what it knows and refuses the rest with 503; all recover without a restart', async () => {
    const { a, b } = fleet;
    const both = [a, b];
    const [warm, cold, disabled] = [
      ...(await fleet.connect(['tn.crm.customers:r'], [{ tenant: T1, env: 'integration' }])),
      ...(await fleet.connect(['tn.crm.customers:r'], [{ tenant: T2, env: 'integration' }])),
      ...(await fleet.connect(['tn.crm.customers:r'], [{ tenant: T1, env: 'production' }])),
    ] as [Party, Party, Party];
    for (const { url } of both) {
      expect([await gatedRead(url, warm), await tokenRequest(url, warm)]).toEqual([200, 200]);
      expect(await gatedRead(url, disabled)).toBe(200);
    }
    // A change made just before the outage is in effect everywhere, and stays so while it lasts.
    await fleet.admins[T1]!.mutate('connections.disable', { connectionId: disabled.connectionId });
    const refused = await untilRefused(
      both.map((instance) => ({
        name: instance.name,
        call: () => gatedRead(instance.url, disabled),
        refusedWith: 401,
      })),
      Date.now(),
    );
    for (const result of Object.values(refused)) expect(result.elapsedMs).toBeLessThan(WITHIN_MS);
    const portals = [await portalSession(a.url, DEV), await portalSession(b.url, ADMIN)];
    for (const portal of portals) expect((await portal.query('notifications.list')).status).toBe(200);

    // The warm party keeps calling both instances, at the gate and the token endpoint, throughout.
    const reads = load(both, (url) => gatedRead(url, warm), { concurrency: 1, everyMs: 50 });
    const tokens = load(both, (url) => tokenRequest(url, warm), { concurrency: 1, everyMs: 100 });
    await sleep(200);
    fleet.proxies!.postgres.cut();
    try {
      // Give both instances a moment to find their connections gone.
      await sleep(300);
      for (const portal of portals) {
        const answer = await portal.query('notifications.list');
        expect(answer.status, 'a portal query while PostgreSQL is away').toBe(503);
        expect(answer.message).toMatch(/unavailable/i);
      }
      for (const { name, url } of both) {
        // Never seen on this instance: nothing to answer from, so 503, never a guess.
        expect(await gatedRead(url, cold), `a cold token on ${name}`).toBe(503);
        // Refused before the outage: never let through because the database cannot say otherwise.
        expect([401, 503], `the disabled connection on ${name}`).toContain(await gatedRead(url, disabled));
      }
      expect(await tokenRequest(b.url, cold), 'a client B has not seen').toBe(503);
      await sleep(2000);
    } finally {
      fleet.proxies!.postgres.restore();
    }

    const recovered = await until(async () => {
      const answers = [
        ...(await Promise.all(portals.map((portal) => portal.query('notifications.list')))).map(
          (answer) => answer.status,
        ),
        await gatedRead(a.url, cold),
        await gatedRead(b.url, cold),
        await tokenRequest(b.url, cold),
      ];
      return answers.every((status) => status === 200);
    }, RECOVERY_MS);
    const answers = [...(await reads.stop()), ...(await tokens.stop())];
    expect(recovered, 'ms until the portals and the cold party were served again').not.toBeNull();
    for (const { url } of both) expect(await gatedRead(url, disabled)).toBe(401);
    // The warm party was served all along, before, during and after the outage, on both instances.
    expect(statusesBy(answers)).toEqual({ A: new Set([200]), B: new Set([200]) });
  });

  it('Redis cut: each instance limits on its own, at the same limit; shared again once Redis returns', async () => {
    const { a, b } = fleet;
    const [party] = await fleet.connect(['tn.crm.customers:r'], [{ tenant: T2, env: 'production' }]);
    expect([await gatedRead(a.url, party!), await gatedRead(b.url, party!)]).toEqual([200, 200]);
    const fallbacks = async () =>
      Promise.all(
        [a, b].map(async (instance) =>
          metric(await scrape(instance.metricsUrl), 'gatehouse_rate_limit_fallback_total'),
        ),
      );
    const before = await fallbacks();

    fleet.proxies!.redis.cut();
    let alone: Run;
    try {
      // The window of the calls above is over, and the limiters have found Redis gone.
      await sleep(1100);
      alone = await hammer([a, b], (url) => gatedRead(url, party!), 3000);
    } finally {
      fleet.proxies!.redis.restore();
    }
    const during = await fallbacks();

    for (const instance of ['A', 'B']) {
      const mine = alone.answers.filter((answer) => answer.instance === instance);
      // Still limited, and never refusing everything: each instance spends a budget of its own.
      expect(new Set(mine.map((answer) => answer.status)), `statuses on ${instance}`).toEqual(
        new Set([200, 429]),
      );
      const allowed = mine.filter((answer) => answer.status === 200);
      expect(busiestSecond(allowed), `the busiest second on ${instance}`).toBeLessThanOrEqual(60);
      expect(steadyRate(alone, allowed), `calls a second allowed on ${instance}`).toBeGreaterThanOrEqual(
        ABOUT_60.atLeast,
      );
      expect(steadyRate(alone, allowed), `calls a second allowed on ${instance}`).toBeLessThanOrEqual(
        ABOUT_60.atMost,
      );
    }
    // Both counted the calls they decided alone.
    for (const [index, count] of during.entries()) expect(count).toBeGreaterThan(before[index]!);

    // Back: the limiters reconnect by themselves (at most a second apart) and share one budget again.
    await sleep(2000);
    const shared = await hammer([a, b], (url) => gatedRead(url, party!), 3000);
    expect(await fallbacks(), 'calls decided alone after Redis returned').toEqual(during);
    const allowed = shared.answers.filter((answer) => answer.status === 200);
    expect(busiestSecond(allowed), 'the busiest second on both together').toBeLessThanOrEqual(60);
    expect(steadyRate(shared, allowed)).toBeGreaterThanOrEqual(ABOUT_60.atLeast);
    expect(steadyRate(shared, allowed)).toBeLessThanOrEqual(ABOUT_60.atMost);
  });
});
