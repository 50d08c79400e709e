import { webhookTypeOf } from '@gatehouse/domain';
import type { Database } from '../db/orm';
import { fanOut } from './fanout';
import { pruneDeliveries } from './retention';
import { RETRY_SCHEDULE_MS } from './schedule';
import { type Resolver, systemResolver } from './ssrf';
import { onDeliveriesQueued } from './wake';
import { DeliveryWorker, type WebhookLog } from './worker';

export interface WebhookOptions {
  /** Run the fan-out and the delivery worker on this instance (default true). */
  enabled?: boolean;
  /** Deliveries may go to `localhost`, 127.0.0.1 and [::1]: the embedded demo only. */
  allowLoopback?: boolean;
  /** The delays between attempts (default RETRY_SCHEDULE_MS, about a day). */
  retryScheduleMs?: number[];
  /** One attempt at most, connecting to the end of the answer (default 5 s: receivers should answer at once and work later). */
  attemptTimeoutMs?: number;
  /** How often the queue is looked at when nothing wakes it (default 1 s). */
  pollMs?: number;
  /** Attempts in flight at once on this instance (default 8). */
  concurrency?: number;
  /** How host names resolve (tests pass their own). */
  resolve?: Resolver;
}

const DEFAULTS = { attemptTimeoutMs: 5000, pollMs: 1000, concurrency: 8, leaseMs: 120_000 };
/** How often finished deliveries past their retention are deleted (and once at start). */
const PRUNE_EVERY_MS = 10 * 60_000;
/** Stopping waits this long at most for attempts under way beyond their own timeout. */
const STOP_GRACE_MS = 1000;

/**
 * Runs webhook delivery on this instance: the fan-out (change events to
 * queued deliveries) and the delivery worker, every `pollMs`, and at once when
 * the change feed brings an event a developer can subscribe to or a procedure
 * queues a delivery. Runs are one at a time; a wake during a run makes one
 * more. Finished deliveries past their retention are deleted every
 * PRUNE_EVERY_MS. Returns how to stop: no new attempts, and those under way
 * finish (bounded by their timeout).
 */
export async function startWebhooks(
  db: Database,
  options: WebhookOptions,
  log: WebhookLog,
): Promise<() => Promise<void>> {
  if (options.enabled === false) return async () => {};
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULTS.attemptTimeoutMs;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let failing = false;

  const worker = new DeliveryWorker(
    db,
    {
      retryScheduleMs: options.retryScheduleMs ?? RETRY_SCHEDULE_MS,
      attemptTimeoutMs,
      allowLoopback: options.allowLoopback ?? false,
      resolve: options.resolve ?? systemResolver,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      leaseMs: Math.max(DEFAULTS.leaseMs, attemptTimeoutMs * 4),
    },
    log,
    () => wake(),
  );

  async function runOnce(): Promise<void> {
    do {
      again = false;
      try {
        await fanOut(db.em(), db.dialect, log);
        if (await worker.run()) again = true;
        if (failing) log.info('webhook delivery is working again');
        failing = false;
      } catch (error) {
        // While the database is away, the next poll tries again; one warning, not one a second.
        if (!failing) log.warn({ err: error }, 'webhook delivery could not reach the queue; retrying');
        failing = true;
        return;
      }
    } while (again && !stopped);
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce().finally(() => {
      running = null;
    });
  }

  const timer = setInterval(wake, pollMs);
  timer.unref();
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pruning = pruning
      .then(() => pruneDeliveries(db.em))
      .catch((error: unknown) => log.warn({ err: error }, 'old webhook deliveries could not be deleted'));
  };
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  prune();
  const stopFeed = await db.feed.start(log);
  const unsubscribe = db.feed.subscribe((events) => {
    if (events.some((event) => webhookTypeOf(event.type))) wake();
  });
  const stopListening = onDeliveriesQueued(wake);
  wake();

  return async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    clearInterval(pruneTimer);
    unsubscribe();
    stopListening();
    await running;
    await worker.drain(attemptTimeoutMs + STOP_GRACE_MS);
    await pruning;
    await stopFeed();
  };
}
