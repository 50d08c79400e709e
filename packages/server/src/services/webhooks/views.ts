import { notFound } from '@gatehouse/domain';
import type { InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../db/entities';
import { isUuid } from '../../db/ids';
import type { deliveryOutput, endpointOutput } from '../../routers/webhooks/schemas';

export type EndpointRow = InferEntity<typeof WebhookEndpoint>;
export type DeliveryRow = InferEntity<typeof WebhookDelivery>;
export type EndpointView = z.infer<typeof endpointOutput>;
export type DeliveryView = z.infer<typeof deliveryOutput>;

/** Attempts shown per delivery, the newest. */
const ATTEMPTS_SHOWN = 50;

/** The app's endpoint, or NOT_FOUND as for a missing one (check the app is the caller's first). */
export async function findEndpoint(
  em: EntityManager,
  appId: string,
  endpointId: string,
): Promise<EndpointRow> {
  const endpoint = isUuid(endpointId)
    ? await em.findOne(WebhookEndpoint, { id: endpointId, app: appId })
    : null;
  if (!endpoint) throw notFound('Webhook endpoint');
  return endpoint;
}

/** The endpoint as its developers see it: the secret's start, never the secret; the newest delivery's outcome. */
export async function toEndpointView(em: EntityManager, endpoint: EndpointRow): Promise<EndpointView> {
  const newest = await em.findOne(
    WebhookDelivery,
    { endpoint: endpoint.id },
    {
      orderBy: { createdAt: 'desc', id: 'desc' },
      fields: ['status', 'createdAt', 'lastAttemptAt', 'lastStatus'],
    },
  );
  const graceLasts = endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date();
  return {
    id: endpoint.id,
    appId: endpoint.app.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    status: endpoint.status,
    disabledReason: endpoint.disabledReason ?? null,
    secretStart: endpoint.secretStart,
    previousSecretExpiresAt: graceLasts ? (endpoint.previousSecretExpiresAt ?? null) : null,
    failingSince: endpoint.failingSince ?? null,
    createdAt: endpoint.createdAt,
    lastDelivery: newest
      ? {
          status: newest.status,
          at: newest.lastAttemptAt ?? newest.createdAt,
          lastStatus: newest.lastStatus ?? null,
        }
      : null,
  };
}

/** Deliveries with their attempts, newest first (ATTEMPTS_SHOWN each at most), in the order given. */
export async function toDeliveryViews(em: EntityManager, deliveries: DeliveryRow[]): Promise<DeliveryView[]> {
  const attemptLogs = await Promise.all(
    deliveries.map((delivery) =>
      em.find(
        WebhookAttempt,
        { delivery: delivery.id },
        { orderBy: { at: 'desc', id: 'desc' }, limit: ATTEMPTS_SHOWN },
      ),
    ),
  );
  return deliveries.map((delivery, i) => ({
    id: delivery.id,
    endpointId: delivery.endpoint.id,
    messageId: delivery.messageId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt,
    nextAttemptAt: delivery.status === 'pending' ? (delivery.nextAttemptAt ?? null) : null,
    lastAttemptAt: delivery.lastAttemptAt ?? null,
    lastStatus: delivery.lastStatus ?? null,
    payload: delivery.payload,
    attemptLog: (attemptLogs[i] ?? []).map((attempt) => ({
      id: attempt.id,
      at: attempt.at,
      status: attempt.status ?? null,
      error: attempt.error ?? null,
      durationMs: attempt.durationMs,
      responseExcerpt: attempt.responseExcerpt ?? null,
    })),
  }));
}
