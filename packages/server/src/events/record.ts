import type { ChangeEventType } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { ChangeEvent } from '../db/entities';

/** A change, as the feed carries it: its kind and the ids it touched. */
export interface ChangeRecord {
  type: ChangeEventType;
  auditId?: string | null;
  appId?: string | null;
  tenantId?: string | null;
  environment?: string | null;
  connectionId?: string | null;
  clientId?: string | null;
  data?: Record<string, unknown> | null;
}

/**
 * Queues the event of a change on `em`: the same flush, in the same
 * transaction, writes the change and its event, so an event exists exactly
 * when its change committed.
 */
export function recordEvent(em: EntityManager, change: ChangeRecord): void {
  em.create(ChangeEvent, {
    at: new Date(),
    type: change.type,
    auditId: change.auditId ?? null,
    appId: change.appId ?? null,
    tenantId: change.tenantId ?? null,
    environment: change.environment ?? null,
    connectionId: change.connectionId ?? null,
    clientId: change.clientId ?? null,
    data: change.data ?? null,
  });
}
