import { z } from 'zod';
import { type AppKind, isTenantId, LIMITS, type ReviewStatus } from './app';
import { CONTROL_CHARACTERS_MESSAGE, isCleanText, isOneLineText } from './text';

/**
 * Approval happens once. Turning a never-approved private app public sends it
 * to review; an approved app stays approved whatever its kind becomes.
 */
export function reviewStatusOnKindChange(
  current: { kind: AppKind; reviewStatus: ReviewStatus },
  nextKind: AppKind,
): ReviewStatus {
  if (current.kind === nextKind || current.reviewStatus === 'approved') return current.reviewStatus;
  return nextKind === 'public' ? 'pending' : 'not_required';
}

/** What tenants see of an app: its name and home page. The organization is the developer's verified one. */
export interface Identity {
  name: string;
  homePageUrl: string;
}

/** The identity shown to tenants; null while the app has never been shown (a public app before its first approval). */
export interface ListedIdentity {
  listedName: string | null;
  listedHomePageUrl: string | null;
}

export interface ReviewState extends ListedIdentity {
  kind: AppKind;
  reviewStatus: ReviewStatus;
  /** When a reviewer first approved the app; null while it never was. */
  firstApprovedAt: Date | null;
}

/** An app's listed identity as stored, absent columns read as null. */
export function listedIdentityOf(app: {
  listedName?: string | null;
  listedHomePageUrl?: string | null;
}): ListedIdentity {
  return { listedName: app.listedName ?? null, listedHomePageUrl: app.listedHomePageUrl ?? null };
}

export function sameIdentity(a: Identity, b: ListedIdentity): boolean {
  return a.name === b.listedName && a.homePageUrl === b.listedHomePageUrl;
}

/**
 * A reviewer has approved this app's identity at least once. A listed identity
 * alone says nothing: a never-approved private app has one, and keeps it when
 * turned public.
 */
export function wasApproved(app: { firstApprovedAt: Date | null | undefined }): boolean {
  return app.firstApprovedAt != null;
}

/** What a details edit did to the review. */
export type ReviewConsequence = 'none' | 'entered_review' | 'identity_change_withdrawn' | 'left_review';

export interface EditOutcome extends ListedIdentity {
  reviewStatus: ReviewStatus;
  consequence: ReviewConsequence;
}

/**
 * A developer's edit of name, home page or kind. Once approved, an app's
 * identity changes only through review, whatever its kind becomes: otherwise
 * switching it to private, renaming it and switching back would show tenants an
 * unreviewed identity. Tenants keep the listed identity meanwhile; editing back
 * to exactly that identity withdraws the change. A never-approved private app
 * shows tenants every edit at once; turned public, its tenants keep the identity
 * they last saw until approval (new tenants see nothing: isVisibleToTenant).
 */
export function identityAfterEdit(current: ReviewState, next: Identity & { kind: AppKind }): EditOutcome {
  if (wasApproved(current)) {
    const listed = { listedName: current.listedName, listedHomePageUrl: current.listedHomePageUrl };
    if (sameIdentity(next, current)) {
      return {
        ...listed,
        reviewStatus: 'approved',
        consequence: current.reviewStatus === 'approved' ? 'none' : 'identity_change_withdrawn',
      };
    }
    // Pending stays pending; rejected stays rejected until the developer resubmits.
    if (current.reviewStatus !== 'approved')
      return { ...listed, reviewStatus: current.reviewStatus, consequence: 'none' };
    return { ...listed, reviewStatus: 'pending', consequence: 'entered_review' };
  }
  const reviewStatus = reviewStatusOnKindChange(current, next.kind);
  const consequence: ReviewConsequence =
    reviewStatus === current.reviewStatus
      ? 'none'
      : reviewStatus === 'pending'
        ? 'entered_review'
        : 'left_review';
  if (next.kind === 'private')
    return { listedName: next.name, listedHomePageUrl: next.homePageUrl, reviewStatus, consequence };
  return {
    listedName: current.listedName,
    listedHomePageUrl: current.listedHomePageUrl,
    reviewStatus,
    consequence,
  };
}

/** A new app: a private one is shown as created; a public one waits for its first approval. */
export function listedIdentityOnCreate(kind: AppKind, identity: Identity): ListedIdentity {
  return kind === 'private'
    ? { listedName: identity.name, listedHomePageUrl: identity.homePageUrl }
    : { listedName: null, listedHomePageUrl: null };
}

/** Approval lists exactly the identity the reviewer saw. */
export function listedIdentityOnApproval(app: Identity): ListedIdentity {
  return { listedName: app.name, listedHomePageUrl: app.homePageUrl };
}

/**
 * What tenants see of an app they are connected to: its listed identity. Only
 * a public app never approved nor private lacks one, and no tenant can connect
 * to that; its own name is the fallback for such leftovers.
 */
export function tenantFacingIdentity(
  app: Identity & { listedName?: string | null; listedHomePageUrl?: string | null },
): Identity {
  return app.listedName != null && app.listedHomePageUrl != null
    ? { name: app.listedName, homePageUrl: app.listedHomePageUrl }
    : { name: app.name, homePageUrl: app.homePageUrl };
}

export function canResubmit(status: ReviewStatus): boolean {
  return status === 'rejected';
}

export function canReview(status: ReviewStatus): boolean {
  return status === 'pending';
}

/** What the app's organization is told when a reviewer approves it. */
export function approvalNotice(appName: string, firstApproval: boolean): string {
  return firstApproval
    ? `${appName} was approved. Tenants you listed can now find and connect it.`
    : `${appName} was approved. Tenants now see its new name and home page.`;
}

/** What the app's organization is told when a reviewer rejects it. */
export function rejectionNotice(appName: string, reason: string): string {
  return `${appName} was rejected: ${reason}`;
}

export const reviewReasonSchema = z
  .string({ error: 'Give a reason' })
  .trim()
  .refine(isCleanText, CONTROL_CHARACTERS_MESSAGE)
  .min(3, 'Give the developer a reason (at least 3 characters)')
  .max(2000, 'At most 2000 characters');

export const ACCESS_ROLES = ['developer', 'tenant_admin'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];
export const ACCESS_ROLE_LABEL: Record<AccessRole, string> = {
  developer: 'Developer',
  tenant_admin: 'Tenant admin',
};

/** A person's name, as they give it. */
export const personNameSchema = z
  .string({ error: 'Name is required' })
  .trim()
  .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
  .min(1, 'Name is required')
  .max(100, 'At most 100 characters');

/** A work email, kept in lower case: accounts are found by it. */
export const workEmailSchema = z
  .string({ error: 'Work email is required' })
  .trim()
  .toLowerCase()
  .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
  .min(1, 'Work email is required')
  .max(254, 'At most 254 characters')
  .email('Enter a valid email');

export const accessRequestSchema = z
  .object({
    name: personNameSchema,
    email: workEmailSchema,
    organizationName: z
      .string({ error: 'Organization is required' })
      .trim()
      .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
      .min(1, 'Organization is required')
      .max(100, 'At most 100 characters'),
    role: z.enum(ACCESS_ROLES, { error: 'Choose the role you need' }),
    tenantId: z
      .string()
      .trim()
      .refine(isOneLineText, CONTROL_CHARACTERS_MESSAGE)
      .max(LIMITS.tenantIdDigits)
      .optional(),
    /** Left empty by people; filled by form-filling bots. */
    website: z.string().max(200).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.role === 'tenant_admin' && !isTenantId(value.tenantId ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenantId'],
        message: 'Tenant admins give their numeric Tenant ID, like 985798691',
      });
    }
  });

export type AccessRequestInput = z.infer<typeof accessRequestSchema>;

export const newPasswordSchema = z
  .string({ error: 'Choose a password' })
  .min(12, 'Use at least 12 characters')
  .max(200, 'At most 200 characters');
