import { z } from 'zod';
import type { AppKind, ReviewStatus } from './app';
import { CONTROL_CHARACTERS_MESSAGE, isCleanText, isOneLineText } from './text';

/**
 * Approval happens once. Turning a never-approved private app public sends it
 * to review; an approved app stays approved whatever its kind becomes.
 */
export function reviewStatusOnKindChange(current: { kind: AppKind; reviewStatus: ReviewStatus }, nextKind: AppKind): ReviewStatus {
  if (current.kind === nextKind || current.reviewStatus === 'approved') return current.reviewStatus;
  return nextKind === 'public' ? 'pending' : 'not_required';
}

export function canResubmit(status: ReviewStatus): boolean {
  return status === 'rejected';
}

export function canReview(status: ReviewStatus): boolean {
  return status === 'pending';
}

export const reviewReasonSchema = z
  .string({ error: 'Give a reason' })
  .trim()
  .refine(isCleanText, CONTROL_CHARACTERS_MESSAGE)
  .min(3, 'Give the developer a reason (at least 3 characters)')
  .max(2000, 'At most 2000 characters');

export const ACCESS_ROLES = ['developer', 'tenant_admin'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];
export const ACCESS_ROLE_LABEL: Record<AccessRole, string> = { developer: 'Developer', tenant_admin: 'Tenant admin' };

export const accessRequestSchema = z
  .object({
    name: z.string({ error: 'Name is required' }).trim().refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE).min(1, 'Name is required').max(100, 'At most 100 characters'),
    email: z.string({ error: 'Work email is required' }).trim().toLowerCase().refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE).min(1, 'Work email is required').max(254, 'At most 254 characters').email('Enter a valid email'),
    organizationName: z.string({ error: 'Organization is required' }).trim().refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE).min(1, 'Organization is required').max(100, 'At most 100 characters'),
    role: z.enum(ACCESS_ROLES, { error: 'Choose the role you need' }),
    tenantId: z.string().trim().refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE).max(18).optional(),
    /** Left empty by people; filled by form-filling bots. */
    website: z.string().max(200).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.role === 'tenant_admin' && !/^[1-9][0-9]{0,17}$/.test(value.tenantId ?? '')) {
      ctx.addIssue({ code: 'custom', path: ['tenantId'], message: 'Tenant admins give their numeric Tenant ID, like 985798691' });
    }
  });

export const newPasswordSchema = z
  .string({ error: 'Choose a password' })
  .min(12, 'Use at least 12 characters')
  .max(200, 'At most 200 characters');
