import { DomainError, notFound, type Page, WEBHOOK_TEST_EVENT } from '@gatehouse/domain';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { WebhookDelivery } from '../../db/entities';
import { isUuid } from '../../db/ids';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import type { deliveriesInput } from '../../routers/webhooks/schemas';
import { PENDING_PER_ENDPOINT, pendingCounts } from '../../webhooks/limits';
import { newMessageId, testPayload } from '../../webhooks/payload';
import { deliveriesQueued } from '../../webhooks/wake';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { dialectOf } from '../audit/lead';
import { type DeliveryView, type EndpointRow, findEndpoint, toDeliveryViews } from './views';

const NEWEST_FIRST: KeysetOrder = [
  ['createdAt', 'desc'],
  ['id', 'desc'],
];

const TURNED_OFF = 'This endpoint is turned off. Turn it back on to send to it again.';

/** A resend of a delivery whose next attempt is this close is refused: it is about to go anyway. */
export const RESEND_SOON_MS = 10_000;

function refuseIfOff(endpoint: EndpointRow): void {
  if (endpoint.status !== 'active') throw new DomainError('CONFLICT', TURNED_OFF);
}

/**
 * Holds the endpoint while a procedure counts its deliveries and queues one:
 * two at once count one after the other (the embedded database writes one
 * transaction at a time anyway).
 */
async function lockEndpoint(tx: EntityManager, endpoint: EndpointRow): Promise<void> {
  if (dialectOf(tx) === 'postgresql') await tx.lock(endpoint, LockMode.PESSIMISTIC_WRITE);
}

/** Refuses a delivery more to an endpoint that has PENDING_PER_ENDPOINT waiting. */
async function refuseIfFull(tx: EntityManager, endpoint: EndpointRow): Promise<void> {
  const waiting = (await pendingCounts(tx, [endpoint.id])).get(endpoint.id) ?? 0;
  if (waiting >= PENDING_PER_ENDPOINT)
    throw new DomainError(
      'RATE_LIMITED',
      `This endpoint already has ${PENDING_PER_ENDPOINT.toLocaleString('en')} deliveries waiting. ` +
        'Try again once they have gone out.',
    );
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
 * Queues the delivery again now: a new attempt with the same `webhook-id`,
 * at once even while the endpoint backs off. Should it fail, it goes on with
 * its retries where it left off (one that had given up gives up again).
 * Refused when the endpoint is turned off (its deliveries would only fail),
 * when the delivery is being sent or due within RESEND_SOON_MS (it is going
 * anyway), and when the endpoint has PENDING_PER_ENDPOINT waiting.
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
    await lockEndpoint(tx, delivery.endpoint);
    await tx.refresh(delivery);
    const now = Date.now();
    if (delivery.status === 'pending') {
      const held = delivery.lockedUntil && delivery.lockedUntil.getTime() >= now;
      const soon = (delivery.nextAttemptAt?.getTime() ?? Infinity) <= now + RESEND_SOON_MS;
      if (held || soon)
        throw new DomainError(
          'CONFLICT',
          'This delivery is being sent now, or will be within seconds. Wait for its outcome before resending it.',
        );
    } else await refuseIfFull(tx, delivery.endpoint);
    tx.assign(delivery, { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null });
    return delivery;
  });
  deliveriesQueued();
  return (await toDeliveryViews(em, [delivery]))[0] as DeliveryView;
}

/**
 * Queues a `webhook.test` delivery to the endpoint, delivered, signed and
 * logged like any other, at once even while the endpoint backs off. One at a
 * time: refused while the endpoint's last test event is still pending.
 */
export async function sendTestEvent(
  em: EntityManager,
  member: OrganizationMember,
  input: { appId: string; endpointId: string },
): Promise<DeliveryView> {
  const delivery = await em.transactional(async (tx) => {
    const app = await findOwnedApp(tx, member.organizationId, input.appId);
    const endpoint = await findEndpoint(tx, app.id, input.endpointId);
    refuseIfOff(endpoint);
    await lockEndpoint(tx, endpoint);
    const testPending = await tx.count(WebhookDelivery, {
      endpoint: endpoint.id,
      eventType: WEBHOOK_TEST_EVENT,
      status: 'pending',
    });
    if (testPending > 0)
      throw new DomainError(
        'RATE_LIMITED',
        'A test event to this endpoint is still waiting to be delivered. ' +
          'Send another once it has succeeded or failed, or resend it from the delivery log.',
      );
    await refuseIfFull(tx, endpoint);
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
