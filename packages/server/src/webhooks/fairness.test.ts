import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApp } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { callerWith, eventually, queueBacklog, quietLog, type Receiver, startReceiver } from '#test/webhooks';
import { WebhookEndpoint } from '../db/entities';
import { STREAK_BEFORE_PAUSE } from './backoff';
import { PER_ENDPOINT_IN_FLIGHT } from './claim';
import { startWebhooks } from './runtime';

/**
 * The reviewer's probe: one organization's endpoint that never answers, with
 * a long backlog, must not hold up another organization's deliveries.
 */
describe.each(dialects)('an endpoint that never answers on %s', (dialect) => {
  let t: TestDatabase;
  let silent: Receiver;
  let healthy: Receiver;
  /** Requests the silent receiver holds open right now, and the most it ever held at once. */
  let open = 0;
  let mostOpen = 0;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    silent = await startReceiver();
    silent.answer((_request, response) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      response.on('close', () => open--);
      // No answer, ever: each attempt runs until its timeout.
    });
    healthy = await startReceiver();
  });
  afterAll(async () => {
    await silent?.stop();
    await healthy?.stop();
    await t?.close();
  });

  async function endpointOf(email: string, name: string, url: string) {
    const dev = await callerWith(t, email, true);
    const appId = (await dev.apps.create(newApp(name))).id;
    const { endpoint } = await dev.webhooks.create({ appId, url, eventTypes: ['connection.allowed'] });
    return { dev, appId, endpointId: endpoint.id };
  }

  it('holds two of the workers’ slots, backs off after five timeouts, and another organization’s test event goes at once', async () => {
    const stalled = await endpointOf(DEV, 'Never Answers', silent.url);
    const other = await endpointOf(DEV2, 'Answers at Once', healthy.url);
    // A thousand events' worth of backlog, all due before the other organization's test event.
    await queueBacklog(t, stalled, 1000, { ageMs: 120_000 });

    const stop = await startWebhooks(
      t.db,
      { allowLoopback: true, pollMs: 50, concurrency: 8, attemptTimeoutMs: 1500, retryScheduleMs: [600_000] },
      quietLog(),
    );
    try {
      await eventually(() => silent.received.length >= PER_ENDPOINT_IN_FLIGHT, 'the first attempts to hang');
      const test = await other.dev.webhooks.sendTest({ appId: other.appId, endpointId: other.endpointId });
      await eventually(
        () => healthy.received.some((r) => r.headers['webhook-id'] === test.messageId),
        'the other organization’s test event',
      );
      // It went while the silent endpoint's first attempts still hung (or their next pair), not after
      // the backlog: with every slot taken by the backlog, it would have waited for hundreds of timeouts.
      expect(silent.received.length).toBeLessThanOrEqual(2 * PER_ENDPOINT_IN_FLIGHT);

      // Five timeouts in a row and the endpoint waits as a whole: a pair in flight may add one more.
      const paused = await eventually(async () => {
        const endpoint = await t.db.em().findOneOrFail(WebhookEndpoint, { id: stalled.endpointId });
        return endpoint.pausedUntil ? endpoint : null;
      }, 'the silent endpoint to back off');
      expect(paused.failureStreak).toBeGreaterThanOrEqual(STREAK_BEFORE_PAUSE);
      await eventually(() => open === 0, 'the attempts under way to time out');
      const tried = silent.received.length;
      expect(tried).toBeLessThanOrEqual(STREAK_BEFORE_PAUSE + 1);
      // Backing off, it is sent nothing more, while the other endpoint is served as before.
      await eventually(async () => {
        const page = await other.dev.webhooks.deliveries({
          appId: other.appId,
          endpointId: other.endpointId,
          limit: 5,
        });
        return page.items.find((d) => d.id === test.id && d.status === 'succeeded');
      }, 'the first test event to be recorded as delivered');
      const again = await other.dev.webhooks.sendTest({ appId: other.appId, endpointId: other.endpointId });
      await eventually(
        () => healthy.received.some((r) => r.headers['webhook-id'] === again.messageId),
        'the second test event',
      );
      expect(silent.received.length).toBe(tried);
    } finally {
      await silent.stop();
      await stop();
    }
    expect(mostOpen).toBeLessThanOrEqual(PER_ENDPOINT_IN_FLIGHT);
  });
});
