import { CONNECTION_STATE_LABEL, type ConnectionState } from '@gatehouse/domain';
import { Badge } from './primitives';

const TONE: Record<ConnectionState, 'neutral' | 'good' | 'warn' | 'bad'> = {
  not_connected: 'neutral',
  connected: 'good',
  declined: 'bad',
  disabled: 'warn',
};

/** A connection's state as both the developer and the tenant admin see it. */
export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return <Badge tone={TONE[state]}>{CONNECTION_STATE_LABEL[state]}</Badge>;
}
