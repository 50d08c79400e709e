import type { FastifyBaseLogger } from 'fastify';
import { WebhookDelivery } from '../db/entities';
import type { Database } from '../db/orm';
import { STREAK_BEFORE_PAUSE } from './backoff';
import { type Claim, claimDue, type EndpointRow } from './claim';
import { recordOutcome, turnOffIfFailing } from './outcome';
import { sendMessage } from './send';
import type { Resolver } from './ssrf';

/** The endpoint's secret, and the one it replaced while that rotation's grace period lasts. */
export function signingSecrets(endpoint: EndpointRow, now = new Date()): string[] {
  const previous = endpoint.previousSecret;
  const graceLasts = previous && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now;
  return graceLasts ? [endpoint.secret, previous] : [endpoint.secret];
}

export type WebhookLog = Pick<FastifyBaseLogger, 'warn' | 'error' | 'info'>;

export interface WorkerSettings {
  retryScheduleMs: readonly number[];
  attemptTimeoutMs: number;
  allowLoopback: boolean;
  resolve: Resolver;
  /** Attempts in flight at once on this instance. */
  concurrency: number;
  /** How long a claim holds a delivery; far longer than an attempt may take. */
  leaseMs: number;
}

/**
 * Sends due deliveries: claims as many as it has free slots, sends each in the
 * background and writes its outcome. `onSlotFree` is told when an attempt
 * ends, so a busy queue is worked through without waiting for the next poll.
 */
export class DeliveryWorker {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly settings: WorkerSettings,
    private readonly log: WebhookLog,
    private readonly onSlotFree: () => void,
  ) {}

  /** Claims and starts what is due; returns whether every slot was filled (more may be waiting). */
  async run(): Promise<boolean> {
    const free = this.settings.concurrency - this.inFlight.size;
    if (free <= 0) return false;
    const claims = await claimDue(this.db.em(), this.db.dialect, free, this.settings.leaseMs);
    for (const claim of claims) {
      const attempt: Promise<void> = this.attempt(claim)
        .catch((error: unknown) =>
          // The claim runs out and another attempt is made: at least once, never lost.
          this.log.error(
            { err: error, deliveryId: claim.delivery.id },
            'a webhook attempt could not be recorded',
          ),
        )
        .finally(() => {
          this.inFlight.delete(attempt);
          this.onSlotFree();
        });
      this.inFlight.add(attempt);
    }
    return claims.length === free;
  }

  /** Waits for the attempts under way, `timeoutMs` at most. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async attempt(claim: Claim): Promise<void> {
    const { delivery, endpoint, lease } = claim;
    const settings = this.settings;
    if (endpoint.status !== 'active') {
      // Turned off: its deliveries fail and wait for a resend once it is back on.
      await this.db
        .em()
        .nativeUpdate(
          WebhookDelivery,
          { id: delivery.id, lockedUntil: lease },
          { status: 'failed', nextAttemptAt: null, lockedUntil: null },
        );
      return;
    }
    const outcome = await sendMessage(
      {
        url: endpoint.url,
        messageId: delivery.messageId,
        body: JSON.stringify(delivery.payload),
        secrets: signingSecrets(endpoint),
      },
      {
        allowLoopback: settings.allowLoopback,
        timeoutMs: settings.attemptTimeoutMs,
        resolve: settings.resolve,
      },
    );
    const { status, failureStreak } = await recordOutcome(
      this.db.em(),
      claim,
      outcome,
      settings.retryScheduleMs,
    );
    // A delivery that gave up, or an endpoint backing off (whose deliveries may take long to give up), may have failed a day.
    const gaveUp = status === 'failed' || failureStreak >= STREAK_BEFORE_PAUSE;
    if (gaveUp && (await turnOffIfFailing(this.db.em(), endpoint.id, settings.retryScheduleMs)))
      this.log.warn(
        { endpointId: endpoint.id, appId: delivery.appId },
        'webhook endpoint turned off after failing',
      );
  }
}
