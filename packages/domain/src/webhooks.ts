import { z } from 'zod';
import type { ChangeEventType } from './events';

/** What a developer can subscribe an endpoint to, by the names deliveries carry in `type`. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.allowed',
  'connection.declined',
  'connection.upgraded',
  'connection.disabled',
  'connection.restored',
  'connection.secret_rotated',
  'connection.secret_revoked',
  'app.approved',
  'app.rejected',
  'app.version_created',
  'connection.rate_limited',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent by "Send test event" only; nobody subscribes to it. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  'connection.allowed': 'Connection allowed',
  'connection.declined': 'Connection declined',
  'connection.upgraded': 'Connection upgraded',
  'connection.disabled': 'Connection disabled',
  'connection.restored': 'Connection restored',
  'connection.secret_rotated': 'Client secret rotated',
  'connection.secret_revoked': 'Client secret revoked',
  'app.approved': 'App approved',
  'app.rejected': 'App rejected',
  'app.version_created': 'Version created',
  'connection.rate_limited': 'Rate limit first hit in a day',
};

/** The change feed's events that are delivered, and under which webhook type (the same name today). */
export function webhookTypeOf(change: ChangeEventType): WebhookEventType | null {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(change) ? (change as WebhookEventType) : null;
}

export const WEBHOOK_STATUSES = ['active', 'disabled'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
/** Why an endpoint is disabled: its developer's choice, or deliveries failing for about a day. */
export const WEBHOOK_DISABLED_REASONS = ['developer', 'failing'] as const;
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const WEBHOOK_LIMITS = { endpointsPerApp: 10, urlLength: 2048, excerpt: 1000 } as const;

/**
 * An endpoint's URL: HTTPS, or plain HTTP to `localhost` (the embedded demo
 * only: the server refuses loopback outside it). No credentials in the URL,
 * no fragment. Private addresses are refused when delivering, after DNS.
 */
export const webhookUrlSchema = z
  .string({ error: 'Enter the endpoint URL' })
  .trim()
  .min(1, 'Enter the endpoint URL')
  .max(WEBHOOK_LIMITS.urlLength, `At most ${WEBHOOK_LIMITS.urlLength} characters`)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Enter a full URL, like https://example.com/webhooks' });
      return;
    }
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
      ctx.addIssue({
        code: 'custom',
        message: 'Use an https:// URL (plain http only for localhost in the demo)',
      });
    else if (url.username || url.password)
      ctx.addIssue({ code: 'custom', message: 'Leave user names and passwords out of the URL' });
    else if (url.hash) ctx.addIssue({ code: 'custom', message: 'Leave the #fragment out of the URL' });
  });

export const webhookEventTypesSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: 'Unknown event type' }))
  .min(1, 'Pick at least one event type')
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'Each event type once');

/** What every delivery's JSON body looks like (Standard Webhooks' `type`, `timestamp`, `data`); never a secret. */
export interface WebhookPayload {
  type: WebhookEventType | typeof WEBHOOK_TEST_EVENT;
  timestamp: string;
  data: {
    appId: string;
    tenantId: string | null;
    environment: string | null;
    connectionId: string | null;
    clientId: string | null;
    /** Other ids and facts of the event: a version number, a secret's id, a day. */
    [key: string]: unknown;
  };
}
