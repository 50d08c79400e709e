import type { Page } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import type { deliveriesInput, deliveryOutput } from '../../routers/webhooks/schemas';
import type { OrganizationMember } from '../apps/queries';

type DeliveryView = z.infer<typeof deliveryOutput>;

// Contract stubs: the webhook service fills these in.
export async function listDeliveries(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: z.infer<typeof deliveriesInput>,
): Promise<Page<DeliveryView>> {
  return { items: [], nextCursor: null };
}

/** Queues the delivery again now, whatever its state (a new attempt, same `webhook-id`). */
export async function resendDelivery(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: { appId: string; deliveryId: string },
): Promise<DeliveryView> {
  throw new Error('not built yet');
}

/** Queues a `webhook.test` delivery to the endpoint, delivered like any other. */
export async function sendTestEvent(
  _em: EntityManager,
  _member: OrganizationMember,
  _input: { appId: string; endpointId: string },
): Promise<DeliveryView> {
  throw new Error('not built yet');
}
