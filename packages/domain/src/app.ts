import { z } from 'zod';
import { isKnownScope, normalizeScopes } from './catalog';
import { CONTROL_CHARACTERS_MESSAGE, isOneLineText } from './text';

export const APP_KINDS = ['public', 'private'] as const;
export type AppKind = (typeof APP_KINDS)[number];
export const APP_KIND_LABEL: Record<AppKind, string> = { public: 'Public App', private: 'Private App' };

/** Who issues a tenant's client credentials. */
export const CREDENTIALS_MODES = ['tenant_admin', 'developer'] as const;
export type CredentialsMode = (typeof CREDENTIALS_MODES)[number];
export const CREDENTIALS_MODE_LABEL: Record<CredentialsMode, string> = {
  tenant_admin: 'Tenant admin issues the client credentials',
  developer: 'Developer generates the client credentials',
};

export const REVIEW_STATUSES = ['not_required', 'pending', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_STATUS_LABEL: Record<ReviewStatus, string> = {
  not_required: 'No review needed',
  pending: 'Pending review',
  approved: 'Approved',
  rejected: 'Rejected',
};

/** A private app needs no review; a public one waits for a reviewer. */
export function initialReviewStatus(kind: AppKind): ReviewStatus {
  return kind === 'public' ? 'pending' : 'not_required';
}

export const LIMITS = {
  appName: 100,
  homePageUrl: 2048,
  tenantIds: 500,
  tenantIdDigits: 18,
} as const;

const trimmed = (label: string, max: number) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
    .min(1, `${label} is required`)
    .max(max, `${label} must be at most ${max} characters`);

export const appNameSchema = trimmed('Application name', LIMITS.appName);

export const homePageUrlSchema = z
  .string({ error: 'Home page URL is required' })
  .trim()
  .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
  .min(1, 'Home page URL is required')
  .max(LIMITS.homePageUrl, `Home page URL must be at most ${LIMITS.homePageUrl} characters`)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'Enter a full http:// or https:// address');

/** A positive whole number without leading zeros; its length is checked apart, with its own message. */
const TENANT_ID_DIGITS = /^[1-9][0-9]*$/;

/** A Tenant ID: a positive whole number without leading zeros, of at most `LIMITS.tenantIdDigits` digits. */
export function isTenantId(value: string): boolean {
  return TENANT_ID_DIGITS.test(value) && value.length <= LIMITS.tenantIdDigits;
}

export const tenantIdSchema = z
  .string({ error: 'Tenant ID is required' })
  .trim()
  .regex(TENANT_ID_DIGITS, 'A Tenant ID is a number, like 985798691')
  .max(LIMITS.tenantIdDigits, `A Tenant ID has at most ${LIMITS.tenantIdDigits} digits`);

export const tenantIdsSchema = z
  .array(tenantIdSchema)
  .max(LIMITS.tenantIds, `At most ${LIMITS.tenantIds} Tenant IDs`)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', message: `Tenant ID ${id} is listed twice`, path: [index] });
      seen.add(id);
    });
  });

export const scopesSchema = z
  .array(z.string())
  .min(1, 'Choose at least one API scope')
  .max(1000)
  .superRefine((scopes, ctx) => {
    const unknown = scopes.filter((s) => !isKnownScope(s));
    if (unknown.length > 0)
      ctx.addIssue({ code: 'custom', message: `Unknown scope: ${unknown.slice(0, 3).join(', ')}` });
  })
  .transform((scopes) => normalizeScopes(scopes));

export const appKindSchema = z.enum(APP_KINDS, { error: 'Choose Public App or Private App' });
export const credentialsModeSchema = z.enum(CREDENTIALS_MODES, {
  error: 'Choose who issues the client credentials',
});

/** No organization field: an app's organization is its developer's verified one, and anything else sent along is dropped. */
export const newAppSchema = z.object({
  name: appNameSchema,
  homePageUrl: homePageUrlSchema,
  tenantIds: tenantIdsSchema,
  kind: appKindSchema,
  credentialsMode: credentialsModeSchema,
  scopes: scopesSchema,
});
export type NewAppInput = z.input<typeof newAppSchema>;
/** A new app as it reaches the server: trimmed, Tenant IDs checked, scopes in catalog order. */
export type NewApp = z.output<typeof newAppSchema>;

/**
 * Turn a zod error into `{ field: message }` — the first message per field,
 * nested paths joined (`tenantIds.2`) and also rolled up to the top field.
 */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    const key = path.join('.') || 'form';
    out[key] ??= issue.message;
    if (path.length > 1 && path[0] !== undefined) out[path[0]] ??= issue.message;
  }
  return out;
}
