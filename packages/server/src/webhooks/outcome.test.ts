import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { type Caller, DEV, dialects, openTestDatabase, rejection, type TestDatabase } from '#test/harness';
import { WebhookAttempt, WebhookDelivery } from '../db/entities';
import { claimDue } from './claim';
import { recordOutcome } from './outcome';
import { RETRY_SCHEDULE_MS, retryDelay, sustainedFailureMs } from './schedule';

describe('the retry schedule', () => {
  it('spreads about a day of retries, each delay moved by at most a fifth', () => {
    const total = RETRY_SCHEDULE_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total / 3600_000).toBeGreaterThan(23);
    expect(total / 3600_000).toBeLessThan(25);
    expect(retryDelay(1, RETRY_SCHEDULE_MS, () => 0)).toBe(4000);
    expect(retryDelay(1, RETRY_SCHEDULE_MS, () => 1)).toBe(6000);
    expect(retryDelay(10, RETRY_SCHEDULE_MS, () => 0.5)).toBe(28_800_000);
    expect(retryDelay(11, RETRY_SCHEDULE_MS)).toBeNull();
    expect(sustainedFailureMs([1000, 4000])).toBe(4000);
  });
});

describe.each(dialects)('an attempt outcome on %s', (dialect) => {
  let t: TestDatabase;
  let dev: Caller;
  let appId: string;
  let endpointId: string;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    dev = await t.as(DEV);
    appId = (await dev.apps.create(newApp('Outcomes'))).id;
    endpointId = (
      await dev.webhooks.create({ appId, url: 'https://hooks.acme.example/in', eventTypes: ['app.approved'] })
    ).endpoint.id;
  });
  afterAll(async () => t?.close());

  const failure = { status: 503, error: null, durationMs: 12, responseExcerpt: 'busy' };

  it('is claimed once, and a failure schedules the next attempt', async () => {
    const { id } = await dev.webhooks.sendTest({ appId, endpointId });
    const [claim, ...others] = await claimDue(t.db.em(), dialect, 10, 60_000);
    expect(others).toEqual([]);
    expect(claim?.delivery.id).toBe(id);
    // Held: a second worker finds nothing due.
    expect(await claimDue(t.db.em(), dialect, 10, 60_000)).toEqual([]);
    if (!claim) throw new Error('nothing claimed');
    const at = new Date();
    expect(await recordOutcome(t.db.em(), claim, { ...failure, at }, [10_000])).toEqual({
      status: 'pending',
      failureStreak: 1,
    });
    const delivery = await t.db.em().findOneOrFail(WebhookDelivery, { id });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lockedUntil: null });
    const wait = (delivery.nextAttemptAt?.getTime() ?? 0) - at.getTime();
    expect(wait).toBeGreaterThanOrEqual(8000);
    expect(wait).toBeLessThanOrEqual(12_100);
  });

  it('leaves a delivery queued again while its attempt was under way as it was queued, and logs the attempt', async () => {
    await t.db.em().nativeUpdate(WebhookDelivery, { endpoint: endpointId }, { status: 'succeeded' });
    const { id } = await dev.webhooks.sendTest({ appId, endpointId });
    const [claim] = await claimDue(t.db.em(), dialect, 10, 60_000);
    if (!claim) throw new Error('nothing claimed');
    // A resend while the attempt is under way is refused; one after the claim ran out is not.
    expect(await rejection(dev.webhooks.resend({ appId, deliveryId: id }))).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('being sent now'),
    });
    await t.db
      .em()
      .nativeUpdate(
        WebhookDelivery,
        { id },
        { lockedUntil: null, nextAttemptAt: new Date(Date.now() - 1000) },
      );
    expect(
      (await recordOutcome(t.db.em(), claim, { ...failure, at: new Date() }, [10_000])).status,
    ).toBeNull();
    const delivery = await t.db.em().findOneOrFail(WebhookDelivery, { id });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, lockedUntil: null });
    expect(delivery.nextAttemptAt?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await t.db.em().count(WebhookAttempt, { delivery: id })).toBe(1);
  });

  it('logs nothing for a delivery deleted with its endpoint meanwhile', async () => {
    const { endpoint } = await dev.webhooks.create({
      appId,
      url: 'https://hooks.acme.example/gone',
      eventTypes: ['app.approved'],
    });
    await t.db.em().nativeUpdate(WebhookDelivery, { status: 'pending' }, { status: 'succeeded' });
    await dev.webhooks.sendTest({ appId, endpointId: endpoint.id });
    const [claim] = await claimDue(t.db.em(), dialect, 10, 60_000);
    if (!claim) throw new Error('nothing claimed');
    await dev.webhooks.delete({ appId, endpointId: endpoint.id });
    expect(
      (await recordOutcome(t.db.em(), claim, { ...failure, at: new Date() }, [10_000])).status,
    ).toBeNull();
    expect(await t.db.em().count(WebhookAttempt, { endpointId: endpoint.id })).toBe(0);
  });
});
