import { z } from 'zod';
import { tenantIdSchema } from './app';
import { oneLineTextSchema } from './text';

/** Whose audit trail: a reviewer's (everything), a developer's (their organization) or a tenant admin's (their tenants). */
export const AUDIT_VIEWS = ['reviewer', 'developer', 'tenant'] as const;
export type AuditView = (typeof AUDIT_VIEWS)[number];

/**
 * What narrows a view of the audit trail. The organization narrows only the
 * reviewer's view, the others being one organization's or its tenants' already.
 */
export const auditFiltersSchema = z.object({
  organizationId: z.string().max(100).optional(),
  appId: z.string().max(100).optional(),
  tenantId: tenantIdSchema.optional(),
  actor: oneLineTextSchema(254).optional(),
  action: oneLineTextSchema(64).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});
export type AuditFilters = z.infer<typeof auditFiltersSchema>;
