import {
  type DeliveryStatus,
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_TEST_EVENT,
  type WebhookEventType,
} from '@gatehouse/domain';
import { Badge, type RouterOutputs } from '@gatehouse/ui';

export type Endpoint = RouterOutputs['webhooks']['list']['endpoints'][number];
export type Delivery = RouterOutputs['webhooks']['deliveries']['items'][number];

/** An event type as the screens name it: its label, "Test event" for Send test event's. */
export function eventLabel(type: string): string {
  if (type === WEBHOOK_TEST_EVENT) return 'Test event';
  return WEBHOOK_EVENT_LABELS[type as WebhookEventType] ?? type;
}

/** Active, or disabled and by whom: the developer, or Gatehouse after about a day of failed deliveries. */
export function EndpointStatusBadge({ endpoint }: { endpoint: Pick<Endpoint, 'status' | 'disabledReason'> }) {
  if (endpoint.status === 'active') return <Badge tone="good">Active</Badge>;
  return endpoint.disabledReason === 'failing' ? (
    <Badge tone="bad">Disabled after failures</Badge>
  ) : (
    <Badge tone="neutral">Disabled by you</Badge>
  );
}

const DELIVERY_LOOK: Record<DeliveryStatus, { label: string; tone: 'info' | 'good' | 'bad' }> = {
  pending: { label: 'Pending', tone: 'info' },
  succeeded: { label: 'Succeeded', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
};

export function DeliveryStatusBadge({ status }: { status: DeliveryStatus }) {
  return <Badge tone={DELIVERY_LOOK[status].tone}>{DELIVERY_LOOK[status].label}</Badge>;
}
