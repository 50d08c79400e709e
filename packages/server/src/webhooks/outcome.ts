import type { DeliveryStatus } from '@gatehouse/domain';
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../audit';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../db/entities';
import { notifyOrganization } from '../services/notifications/notifications';
import { isRace } from '../services/races';
import { countInStreak } from './backoff';
import type { Claim } from './claim';
import { retryDelay, sustainedFailureMs } from './schedule';
import type { AttemptOutcome } from './send';

const ERROR_LENGTH = 200;

export function isSuccess(outcome: AttemptOutcome): boolean {
  return outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
}

/** What an outcome did: the delivery's state (null when a resend or a deletion came first) and the endpoint's failures in a row. */
export interface Recorded {
  status: DeliveryStatus | null;
  failureStreak: number;
}

/**
 * Writes what an attempt found out, in one transaction: the attempt in the
 * delivery log, the delivery's next state (succeeded; pending again after the
 * schedule's next delay; failed once the schedule is spent) and the endpoint's
 * failing streak, which may make it back off as a whole (see backoff.ts).
 * A delivery queued again while its attempt was under way (its claim ran
 * out, then a resend) keeps that place in the queue; one deleted meanwhile
 * (with its endpoint) logs nothing.
 */
export async function recordOutcome(
  em: EntityManager,
  claim: Claim,
  outcome: AttemptOutcome,
  schedule: readonly number[],
): Promise<Recorded> {
  const { delivery, endpoint, lease } = claim;
  const attempts = delivery.attempts + 1;
  const succeeded = isSuccess(outcome);
  const delay = succeeded ? null : retryDelay(attempts, schedule);
  const status: DeliveryStatus = succeeded ? 'succeeded' : delay === null ? 'failed' : 'pending';
  const finished = outcome.at.getTime() + outcome.durationMs;
  const seen = { lastAttemptAt: outcome.at, lastStatus: outcome.status };
  return em.transactional(async (tx) => {
    const held = await tx.nativeUpdate(
      WebhookDelivery,
      { id: delivery.id, lockedUntil: lease },
      {
        ...seen,
        attempts,
        status,
        nextAttemptAt: delay === null ? null : new Date(finished + delay),
        lockedUntil: null,
      },
    );
    if (held === 0) {
      const kept = await tx.nativeUpdate(
        WebhookDelivery,
        { id: delivery.id },
        { ...seen, attempts: raw('attempts + 1') },
      );
      if (kept === 0) return { status: null, failureStreak: 0 };
    }
    tx.create(WebhookAttempt, {
      id: crypto.randomUUID(),
      delivery: delivery.id,
      endpointId: endpoint.id,
      at: outcome.at,
      status: outcome.status,
      error: outcome.error?.slice(0, ERROR_LENGTH) ?? null,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.responseExcerpt,
    });
    // A streak starts at its first failure and ends at any success.
    await tx.nativeUpdate(
      WebhookEndpoint,
      { id: endpoint.id, failingSince: succeeded ? { $ne: null } : null },
      { failingSince: succeeded ? null : outcome.at },
    );
    const failureStreak = await countInStreak(tx, endpoint.id, succeeded, finished, schedule);
    return { status: held === 1 ? status : null, failureStreak };
  });
}

/**
 * Turns the endpoint off when it has failed, with no success, at least as long
 * as a delivery's whole schedule takes (about a day): its pending deliveries
 * fail with it, and the developers of its organization are told.
 */
export async function turnOffIfFailing(
  em: EntityManager,
  endpointId: string,
  schedule: readonly number[],
): Promise<boolean> {
  // Flushed with the endpoint's revision: a developer's change meanwhile wins, and the next give-up decides again.
  try {
    return await em.transactional((tx) => turnOff(tx, endpointId, schedule));
  } catch (error) {
    if (isRace(error)) return false;
    throw error;
  }
}

async function turnOff(tx: EntityManager, endpointId: string, schedule: readonly number[]) {
  const endpoint = await tx.findOne(
    WebhookEndpoint,
    { id: endpointId, status: 'active' },
    { populate: ['app', 'app.organization'], refresh: true },
  );
  if (!endpoint?.failingSince) return false;
  if (Date.now() - endpoint.failingSince.getTime() < sustainedFailureMs(schedule)) return false;
  tx.assign(endpoint, { status: 'disabled', disabledReason: 'failing' });
  const { app } = endpoint;
  audit(tx, null, {
    action: 'webhook.endpoint_changed',
    organizationId: app.organization.id,
    appId: app.id,
    before: { endpointId, url: endpoint.url, status: 'active' },
    after: { endpointId, url: endpoint.url, status: 'disabled', disabledReason: 'failing' },
    touched: { data: { endpointId } },
  });
  await tx.nativeUpdate(
    WebhookDelivery,
    { endpoint: endpointId, status: 'pending' },
    { status: 'failed', nextAttemptAt: null },
  );
  await notifyOrganization(
    tx,
    app.organization.id,
    app.id,
    `Webhook deliveries of ${app.name} to ${endpoint.url} kept failing, so the endpoint was turned off. ` +
      'Turn it back on from the app’s Webhooks tab once it answers again.',
  );
  return true;
}
