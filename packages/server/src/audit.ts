import type { EntityManager } from '@mikro-orm/knex';
import { AuditEvent } from './db/entities';

export interface Actor {
  id: string;
  email: string;
}

export interface AuditRecord {
  action: string;
  organizationId?: string | null;
  appId?: string | null;
  tenantId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Queue an audit event on `em`: it is written by the same flush, inside the
 * same transaction, as the change it describes.
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
  return id;
}
