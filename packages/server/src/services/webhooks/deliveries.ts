import { DomainError, notFound, type Page, WEBHOOK_TEST_EVENT } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { WebhookDelivery } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import type { deliveriesInput } from '../../routers/webhooks/schemas';
import { newMessageId, testPayload } from '../../webhooks/payload';
import { deliveriesQueued } from '../../webhooks/wake';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { type DeliveryView, type EndpointRow, findEndpoint, toDeliveryViews } from './views';

const NEWEST_FIRST: KeysetOrder = [
  ['createdAt', 'desc'],
  ['id', 'desc'],
];

const TURNED_OFF = 'This endpoint is turned off. Turn it back on to send to it again.';

function refuseIfOff(endpoint: EndpointRow): void {
  if (endpoint.status !== 'active') throw new DomainError('CONFLICT', TURNED_OFF);
}

/** An endpoint's deliveries, newest first, a page at a time, each with its newest attempts. */
export async function listDeliveries(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof deliveriesInput>,
): Promise<Page<DeliveryView>> {
  const app = await findOwnedApp(em, member.organizationId, input.appId);
  const endpoint = await findEndpoint(em, app.id, input.endpointId);
  const tag = listTag('webhook-deliveries', endpoint.id);
  const where = { endpoint: endpoint.id };
  const after = input.cursor
    ? afterKey(NEWEST_FIRST, readListCursor(tag, input.cursor, ['moment', 'id']))
    : null;
  const rows = await em.find(WebhookDelivery, after ? { $and: [where, after] } : where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: input.limit + 1,
  });
  const page = listPage(tag, rows, input.limit, (row) => [row.createdAt, row.id]);
  return { items: await toDeliveryViews(em, page.items), nextCursor: page.nextCursor };
}

/**
 * Queues the delivery again now, whatever its state: a new attempt with the
 * same `webhook-id`. Should it fail, it goes on with its retries where it left
 * off (one that had given up gives up again). An endpoint that is turned off
 * is refused: its deliveries would only fail.
 */
export async function resendDelivery(
  em: EntityManager,
  member: OrganizationMember,
  input: { appId: string; deliveryId: string },
): Promise<DeliveryView> {
  const delivery = await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const delivery = isUuid(input.deliveryId)
      ? await tx.findOne(WebhookDelivery, { id: input.deliveryId, appId: app.id }, { populate: ['endpoint'] })
      : null;
    if (!delivery || delivery.endpoint.app.id !== app.id) throw notFound('Delivery');
    refuseIfOff(delivery.endpoint);
    tx.assign(delivery, { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null });
    return delivery;
  });
  deliveriesQueued();
  return (await toDeliveryViews(em, [delivery]))[0] as DeliveryView;
}

/** Queues a `webhook.test` delivery to the endpoint, delivered, signed and logged like any other. */
export async function sendTestEvent(
  em: EntityManager,
  member: OrganizationMember,
  input: { appId: string; endpointId: string },
): Promise<DeliveryView> {
  const delivery = await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const endpoint = await findEndpoint(tx, app.id, input.endpointId);
    refuseIfOff(endpoint);
    return tx.create(WebhookDelivery, {
      id: crypto.randomUUID(),
      endpoint,
      appId: app.id,
      messageId: newMessageId(),
      eventType: WEBHOOK_TEST_EVENT,
      eventSeq: null,
      payload: { ...testPayload(app.id, endpoint.id) },
      status: 'pending',
      nextAttemptAt: new Date(),
    });
  });
  deliveriesQueued();
  return (await toDeliveryViews(em, [delivery]))[0] as DeliveryView;
}
