import type { ChangeEventType } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { AuditEvent } from './db/entities';
import { type ChangeRecord, recordEvent } from './events/record';

export interface Actor {
  id: string;
  email: string;
}

export interface AuditRecord {
  action: ChangeEventType;
  organizationId?: string | null;
  appId?: string | null;
  tenantId?: string | null;
  before?: unknown;
  after?: unknown;
  /** What the change event names beyond the app and tenant: the connection, its client, its environment. */
  touched?: Pick<ChangeRecord, 'connectionId' | 'clientId' | 'environment' | 'data'>;
}

/**
 * Queue an audit event on `em`, and the change event of the same change: both
 * are written by the same flush, inside the same transaction, as the change
 * they describe.
 */
export function audit(em: EntityManager, actor: Actor | null, record: AuditRecord): string {
  const id = crypto.randomUUID();
  em.create(AuditEvent, {
    id,
    at: new Date(),
    actorId: actor?.id ?? null,
    actorEmail: actor?.email ?? null,
    action: record.action,
    organizationId: record.organizationId ?? null,
    appId: record.appId ?? null,
    tenantId: record.tenantId ?? null,
    before: record.before ?? null,
    after: record.after ?? null,
  });
  recordEvent(em, {
    type: record.action,
    auditId: id,
    appId: record.appId ?? null,
    tenantId: record.tenantId ?? null,
    ...record.touched,
  });
  return id;
}
