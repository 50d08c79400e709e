import { WEBHOOK_TEST_EVENT, type WebhookEventType, type WebhookPayload } from '@gatehouse/domain';
import { randomToken } from '../auth/secrets';

/**
 * The facts of a change a delivery may carry beside its ids, by name: a
 * version number, a secret's id (never the secret), a reviewer's reason, a
 * day. Anything else the change recorded stays out of the body.
 */
const FACTS = ['version', 'acceptedVersion', 'declinedVersion', 'secretId', 'reason', 'day'] as const;

/** The named facts found in `sources`, the first source that has one winning. */
export function factsOf(...sources: unknown[]): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const source of sources) {
    if (typeof source !== 'object' || source === null) continue;
    for (const name of FACTS) {
      const value = (source as Record<string, unknown>)[name];
      const plain = typeof value === 'string' || typeof value === 'number';
      if (plain && !(name in facts)) facts[name] = value;
    }
  }
  return facts;
}

/** The ids a change event names; the entity leaves unset columns undefined. */
type EventIds = {
  [Id in 'appId' | 'tenantId' | 'environment' | 'connectionId' | 'clientId']?: string | null;
};

/** The body of a delivery of a change: the event, the app, the tenant and environment, and the ids involved. */
export function eventPayload(
  type: WebhookEventType,
  event: EventIds & { at: Date },
  facts: Record<string, unknown>,
): WebhookPayload {
  return {
    type,
    timestamp: event.at.toISOString(),
    data: {
      ...facts,
      appId: event.appId ?? '',
      tenantId: event.tenantId ?? null,
      environment: event.environment ?? null,
      connectionId: event.connectionId ?? null,
      clientId: event.clientId ?? null,
    },
  };
}

/** The body of "Send test event": the app and the endpoint, no tenant. */
export function testPayload(appId: string, endpointId: string, at = new Date()): WebhookPayload {
  return {
    type: WEBHOOK_TEST_EVENT,
    timestamp: at.toISOString(),
    data: { appId, tenantId: null, environment: null, connectionId: null, clientId: null, endpointId },
  };
}

/** A `webhook-id`: `msg_` and 128 random bits, the same on every attempt of one delivery. */
export function newMessageId(): string {
  return randomToken('msg_', 16);
}
