import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { type Caller, DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { queueBacklog, quietLog } from '#test/webhooks';
import { WebhookDelivery, WebhookEndpoint } from '../db/entities';
import { type Database, openDatabase } from '../db/orm';
import { recordEvent } from '../events/record';
import { pauseDelay, STREAK_BEFORE_PAUSE } from './backoff';
import { type Claim, claimDue, PER_ENDPOINT_IN_FLIGHT } from './claim';
import { fanOut } from './fanout';
import { recordOutcome } from './outcome';

const SCHEDULE = [60_000];
const failure = { status: null, error: 'Timed out after 5 s', durationMs: 5000, responseExcerpt: null };
const success = { status: 200, error: null, durationMs: 3, responseExcerpt: 'ok' };

describe('an endpoint’s back-off', () => {
  it('starts at the fifth failure in a row and follows the retry schedule, its last delay at most', () => {
    const schedule = [1000, 4000, 9000];
    const middle = () => 0.5;
    expect(STREAK_BEFORE_PAUSE).toBe(5);
    expect(pauseDelay(4, schedule, middle)).toBeNull();
    expect(pauseDelay(5, schedule, middle)).toBe(1000);
    expect(pauseDelay(6, schedule, middle)).toBe(4000);
    expect(pauseDelay(7, schedule, middle)).toBe(9000);
    expect(pauseDelay(70, schedule, middle)).toBe(9000);
  });
});

describe.each(dialects)('claiming due deliveries on %s', (dialect) => {
  let t: TestDatabase;
  /** A second instance on the same database. */
  let other: Database;
  let busy: { appId: string; endpointId: string };
  let quiet: { appId: string; endpointId: string };

  async function endpointOf(dev: Caller, name: string, url: string) {
    const appId = (await dev.apps.create(newApp(name))).id;
    const { endpoint } = await dev.webhooks.create({ appId, url, eventTypes: ['connection.allowed'] });
    return { appId, endpointId: endpoint.id };
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    other = await openDatabase(t.url);
    busy = await endpointOf(await t.as(DEV), 'Busy Hooks', 'https://busy.example/in');
    quiet = await endpointOf(await t.as(DEV2), 'Quiet Hooks', 'https://quiet.example/in');
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const queue = (target: { appId: string; endpointId: string }, count: number, ageMs: number) =>
    queueBacklog(t, target, count, { ageMs });

  /** Settles every delivery queued so far, so each test starts from an empty queue. */
  const settleAll = () =>
    t.db
      .em()
      .nativeUpdate(WebhookDelivery, {}, { status: 'succeeded', nextAttemptAt: null, lockedUntil: null });

  const endpointsOf = (claims: Claim[]) => claims.map((claim) => claim.endpoint.id);

  it('holds at most two deliveries of one endpoint at once, leaving the other slots to other endpoints', async () => {
    await settleAll();
    await queue(busy, 30, 60_000);
    await queue(quiet, 1, 1000);
    const first = await claimDue(t.db.em(), dialect, 8, 60_000);
    // Oldest first, but the busy endpoint's backlog takes two slots, not eight: the quiet one's delivery goes too.
    expect(endpointsOf(first).sort()).toEqual([busy.endpointId, busy.endpointId, quiet.endpointId].sort());
    expect(PER_ENDPOINT_IN_FLIGHT).toBe(2);
    // While both are held, the busy endpoint gets no third, however many slots are free.
    expect(await claimDue(t.db.em(), dialect, 8, 60_000)).toEqual([]);

    const done = first.find((claim) => claim.endpoint.id === busy.endpointId) as Claim;
    await recordOutcome(t.db.em(), done, { ...success, at: new Date() }, SCHEDULE);
    const next = await claimDue(t.db.em(), dialect, 8, 60_000);
    expect(endpointsOf(next)).toEqual([busy.endpointId]);
    // The oldest of the rest comes next.
    const waiting = await t.db
      .em()
      .find(
        WebhookDelivery,
        { endpoint: busy.endpointId, status: 'pending', lockedUntil: null },
        { orderBy: { nextAttemptAt: 'asc' } },
      );
    expect(next[0]?.delivery.nextAttemptAt?.getTime()).toBeLessThan(
      waiting[0]?.nextAttemptAt?.getTime() ?? 0,
    );
  });

  it('keeps to two per endpoint when two instances claim at the same moment', async () => {
    await settleAll();
    await queue(busy, 40, 60_000);
    await queue(quiet, 40, 30_000);
    // The embedded database serves one process: there, its claims overlap within it.
    const second = dialect === 'postgresql' ? other : t.db;
    const [mine, theirs] = await Promise.all([
      claimDue(t.db.em(), dialect, 8, 60_000),
      claimDue(second.em(), dialect, 8, 60_000),
    ]);
    const all = [...mine, ...theirs];
    expect(all.filter((claim) => claim.endpoint.id === busy.endpointId)).toHaveLength(2);
    expect(all.filter((claim) => claim.endpoint.id === quiet.endpointId)).toHaveLength(2);
    expect(new Set(all.map((claim) => claim.delivery.id)).size).toBe(4);
  });

  it('backs an endpoint off as a whole after five failures in a row; a test event still goes, and a success ends it', async () => {
    await settleAll();
    await queue(busy, 20, 60_000);
    let streak = 0;
    while (streak < STREAK_BEFORE_PAUSE) {
      const claims = (await claimDue(t.db.em(), dialect, 8, 60_000)).filter(
        (claim) => claim.endpoint.id === busy.endpointId,
      );
      expect(claims.length).toBeGreaterThan(0);
      for (const claim of claims)
        streak = (await recordOutcome(t.db.em(), claim, { ...failure, at: new Date() }, SCHEDULE))
          .failureStreak;
    }
    const endpoint = await t.db.em().findOneOrFail(WebhookEndpoint, { id: busy.endpointId });
    expect(endpoint.failureStreak).toBe(streak);
    const pausedUntil = endpoint.pausedUntil?.getTime() ?? 0;
    expect(pausedUntil).toBeGreaterThan(Date.now() + 30_000);
    // Every pending delivery of the endpoint waits for the back-off to end, not each for its own turn.
    const pending = await t.db.em().find(WebhookDelivery, { endpoint: busy.endpointId, status: 'pending' });
    expect(pending).toHaveLength(20);
    for (const delivery of pending)
      expect(delivery.nextAttemptAt?.getTime()).toBeGreaterThanOrEqual(pausedUntil);
    // Another endpoint is not held back; the busy one offers nothing.
    await queue(quiet, 5, 1000);
    expect(endpointsOf(await claimDue(t.db.em(), dialect, 8, 60_000))).toEqual([
      quiet.endpointId,
      quiet.endpointId,
    ]);

    // An event meanwhile is queued for when the back-off ends.
    const { appId } = busy;
    await fanOut(t.db.em(), dialect, quietLog());
    await t.db.em().transactional(async (tx) => {
      recordEvent(tx, {
        type: 'connection.allowed',
        appId,
        tenantId: '985798691',
        environment: 'integration',
      });
    });
    expect(await fanOut(t.db.em(), dialect, quietLog())).toBe(1);
    const [queued] = await t.db
      .em()
      .find(WebhookDelivery, { endpoint: busy.endpointId, eventSeq: { $ne: null } });
    expect(queued?.nextAttemptAt?.getTime()).toBe(pausedUntil);

    // A developer's test event goes at once; its success ends the back-off and the rest flow again.
    const dev = await t.as(DEV);
    const test = await dev.webhooks.sendTest(busy);
    const [testClaim] = (await claimDue(t.db.em(), dialect, 8, 60_000)).filter(
      (claim) => claim.endpoint.id === busy.endpointId,
    );
    expect(testClaim?.delivery.id).toBe(test.id);
    if (!testClaim) throw new Error('the test event was not claimed');
    expect(await recordOutcome(t.db.em(), testClaim, { ...success, at: new Date() }, SCHEDULE)).toEqual({
      status: 'succeeded',
      failureStreak: 0,
    });
    const after = await t.db.em().findOneOrFail(WebhookEndpoint, { id: busy.endpointId });
    expect(after).toMatchObject({ failureStreak: 0, pausedUntil: null, failingSince: null });
  });

  it('starts the count afresh when the developer points the endpoint elsewhere', async () => {
    await t.db
      .em()
      .nativeUpdate(
        WebhookEndpoint,
        { id: busy.endpointId },
        { failureStreak: 9, pausedUntil: new Date(Date.now() + 3600_000) },
      );
    const dev = await t.as(DEV);
    await dev.webhooks.update({ ...busy, url: 'https://busy.example/fixed' });
    const endpoint = await t.db.em().findOneOrFail(WebhookEndpoint, { id: busy.endpointId });
    expect(endpoint).toMatchObject({ failureStreak: 0, pausedUntil: null });
  });
});
