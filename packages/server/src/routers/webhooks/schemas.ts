import {
  DELIVERY_STATUSES,
  GRACE_HOURS,
  graceHoursSchema,
  pageInputSchema,
  pageOutputSchema,
  WEBHOOK_DISABLED_REASONS,
  WEBHOOK_STATUSES,
  webhookEventTypesSchema,
  webhookUrlSchema,
} from '@gatehouse/domain';
import { z } from 'zod';

const appId = z.string().max(100);
export const webhookAppInput = z.object({ appId });
export const endpointInput = webhookAppInput.extend({ endpointId: z.string().max(100) });
export const deliveryInput = webhookAppInput.extend({ deliveryId: z.string().max(100) });

export const createEndpointInput = webhookAppInput.extend({
  url: webhookUrlSchema,
  eventTypes: webhookEventTypesSchema,
});
/** Any of url, event types and enabled; a failing endpoint comes back by `enabled: true`. */
export const updateEndpointInput = endpointInput.extend({
  url: webhookUrlSchema.optional(),
  eventTypes: webhookEventTypesSchema.optional(),
  enabled: z.boolean().optional(),
});
export const rotateEndpointSecretInput = endpointInput.extend({
  graceHours: graceHoursSchema.default(GRACE_HOURS.default),
});
export const deliveriesInput = endpointInput.extend(pageInputSchema(25, 100).shape);

export const endpointOutput = z.object({
  id: z.string(),
  appId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  status: z.enum(WEBHOOK_STATUSES),
  disabledReason: z.enum(WEBHOOK_DISABLED_REASONS).nullable(),
  /** The secret's first characters, to tell secrets apart. */
  secretStart: z.string(),
  /** While set and in the future, deliveries are also signed with the previous secret. */
  previousSecretExpiresAt: z.date().nullable(),
  failingSince: z.date().nullable(),
  createdAt: z.date(),
  /** The newest delivery's outcome, if any. */
  lastDelivery: z
    .object({ status: z.enum(DELIVERY_STATUSES), at: z.date(), lastStatus: z.number().int().nullable() })
    .nullable(),
});
export const endpointListOutput = z.object({ endpoints: z.array(endpointOutput) });
/** The signing secret, shown this once. */
export const endpointWithSecretOutput = z.object({ endpoint: endpointOutput, secret: z.string() });

export const attemptOutput = z.object({
  id: z.string(),
  at: z.date(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  responseExcerpt: z.string().nullable(),
});
export const deliveryOutput = z.object({
  id: z.string(),
  endpointId: z.string(),
  messageId: z.string(),
  eventType: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  createdAt: z.date(),
  nextAttemptAt: z.date().nullable(),
  lastAttemptAt: z.date().nullable(),
  lastStatus: z.number().int().nullable(),
  /** The JSON body as delivered. */
  payload: z.record(z.string(), z.unknown()),
  /** Every attempt, newest first (at most 50). */
  attemptLog: z.array(attemptOutput),
});
export const deliveriesOutput = pageOutputSchema(deliveryOutput);
