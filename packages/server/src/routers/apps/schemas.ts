import {
  APP_KINDS,
  appKindSchema,
  appNameSchema,
  CONNECTION_STATES,
  CREDENTIALS_MODES,
  credentialsModeSchema,
  ENVIRONMENTS,
  environmentSchema,
  homePageUrlSchema,
  LIMITS,
  oneLineTextSchema,
  pageInputSchema,
  pageOutputSchema,
  REVIEW_STATUSES,
  scopesSchema,
  tenantIdSchema,
  USAGE_LINES_PAGE,
  USAGE_OUTCOMES,
  type UsageOutcome,
} from '@gatehouse/domain';
import { z } from 'zod';

/** Any string: an id that is malformed, foreign or missing all answer NOT_FOUND alike. */
export const appIdInput = z.object({ appId: z.string().max(100) });

/** My Apps: a page of the organization's apps, newest first; the search matches names in any letter case. */
export const listAppsInput = pageInputSchema(20, 100).extend({ search: oneLineTextSchema(100).optional() });

export const updateDetailsInput = appIdInput.extend({
  name: appNameSchema,
  homePageUrl: homePageUrlSchema,
  kind: appKindSchema,
  credentialsMode: credentialsModeSchema,
});

export const saveScopesInput = appIdInput.extend({ scopes: scopesSchema });
export const tenantInput = appIdInput.extend({ tenantId: tenantIdSchema });
export const deleteAppInput = appIdInput.extend({ confirmName: z.string().max(200) });

const kind = z.enum(APP_KINDS);
const reviewStatus = z.enum(REVIEW_STATUSES);

export const appSummaryOutput = z.object({
  id: z.string(),
  name: z.string(),
  kind,
  reviewStatus,
  submittedAt: z.date().nullable(),
  latestVersion: z.number().int(),
  tenantCount: z.number().int(),
  createdAt: z.date(),
});

export const appListOutput = pageOutputSchema(appSummaryOutput);

export const appDetailOutput = z.object({
  id: z.string(),
  name: z.string(),
  /** The developer's verified organization. */
  organizationName: z.string(),
  homePageUrl: z.string(),
  /** What tenants see; differs from name and home page while a change waits for review. */
  listedName: z.string().nullable(),
  listedHomePageUrl: z.string().nullable(),
  /** When a reviewer first approved the app; null while never approved. */
  firstApprovedAt: z.date().nullable(),
  kind,
  credentialsMode: z.enum(CREDENTIALS_MODES),
  reviewStatus,
  reviewReason: z.string().nullable(),
  submittedAt: z.date().nullable(),
  appKey: z.string(),
  latestVersion: z.number().int(),
  scopes: z.array(z.string()),
  /** How many Tenant IDs the app lists; the Tenant IDs themselves are read a page at a time (`apps.tenants`). */
  tenantCount: z.number().int(),
  /** The first listed Tenant ID in Tenant ID order, for examples that need one; null when none is listed. */
  firstTenantId: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const saveScopesOutput = z.object({
  changed: z.boolean(),
  version: z.number().int(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

/** A Tenant ID added or removed: whether it is listed now, and how many the app lists. */
export const tenantChangeOutput = z.object({
  tenantId: z.string(),
  listed: z.boolean(),
  tenantCount: z.number().int(),
});

export const versionOutput = z.object({
  number: z.number().int(),
  scopes: z.array(z.string()),
  createdAt: z.date(),
  createdBy: z.object({ name: z.string(), email: z.string() }),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

/** Version history: a page of versions, newest first. */
export const versionsInput = appIdInput.extend(pageInputSchema(20, 100).shape);

export const versionsOutput = pageOutputSchema(versionOutput);

export const generateSecretInput = appIdInput.extend({
  tenantId: tenantIdSchema,
  environment: environmentSchema,
});

/** View Connections: one row per listed tenant and environment. */
export const appConnectionOutput = z.object({
  tenantId: z.string(),
  tenantName: z.string().nullable(),
  environment: z.enum(ENVIRONMENTS),
  state: z.enum(CONNECTION_STATES),
  version: z.number().int().nullable(),
  scopesInPlay: z.array(z.string()),
  /** False when the Tenant ID was removed from the app but the tenant's connection remains. */
  offered: z.boolean(),
  clientId: z.string().nullable(),
  /** Who issues this connection's client credentials, fixed when it was allowed; null without credentials. */
  credentialsIssuer: z.enum(CREDENTIALS_MODES).nullable(),
  canGenerateSecret: z.boolean(),
});

/** View Connections: a page of tenants (`limit` of them, each in both environments), by Tenant ID. */
export const connectionsInput = appIdInput.extend({
  ...pageInputSchema(50, 100).shape,
  /** The start of a Tenant ID. */
  search: z
    .string()
    .trim()
    .regex(/^\d*$/, 'A Tenant ID is a number, like 985798691')
    .max(LIMITS.tenantIdDigits, `A Tenant ID has at most ${LIMITS.tenantIdDigits} digits`)
    .optional(),
});

export const connectionsOutput = pageOutputSchema(appConnectionOutput);

/** The Tenant IDs an app lists: a page of them in Tenant ID order; the search keeps those that start with it. */
export const tenantsInput = appIdInput.extend({
  ...pageInputSchema(50, 200).shape,
  search: connectionsInput.shape.search,
});

export const tenantsOutput = pageOutputSchema(z.object({ tenantId: z.string(), addedAt: z.date() }));

export const generatedSecretOutput = z.object({ clientId: z.string(), clientSecret: z.string() });

/** A short-lived integration token for one of the app's developer-managed connections (the API reference's Try it). */
export const integrationTokenInput = appIdInput.extend({ tenantId: tenantIdSchema });

export const integrationTokenOutput = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.date(),
  scope: z.string(),
});

const outcomeCounts = z.object(
  Object.fromEntries(USAGE_OUTCOMES.map((outcome) => [outcome, z.number().int()])) as Record<
    UsageOutcome,
    z.ZodNumber
  >,
);

/**
 * The usage report of the last `days` days and a page of its lines, narrowed
 * to the Tenant IDs that start with some digits (or the calls that proved no
 * tenant), an environment or an endpoint when given.
 */
export const usageInput = appIdInput
  .extend({
    ...pageInputSchema(USAGE_LINES_PAGE, 200).shape,
    days: z.number().int().min(1).max(90).default(30),
    /** The start of the Tenant IDs kept. */
    tenantIdPrefix: z
      .string()
      .trim()
      .regex(/^\d*$/, 'A Tenant ID is a number, like 985798691')
      .max(LIMITS.tenantIdDigits, `A Tenant ID has at most ${LIMITS.tenantIdDigits} digits`)
      .optional(),
    /** Only the calls that proved no tenant (counted with an empty Tenant ID). */
    unauthenticated: z.boolean().optional(),
    environment: environmentSchema.optional(),
    endpoint: z.string().max(120).optional(),
  })
  .refine((input) => !(input.unauthenticated && input.tenantIdPrefix), {
    message: 'Calls that proved no tenant have no Tenant ID: choose one or the other.',
    path: ['tenantIdPrefix'],
  });

const usageLineOutput = z.object({
  tenantId: z.string(),
  environment: z.enum(ENVIRONMENTS),
  endpoint: z.string(),
  calls: outcomeCounts,
});

export const usageOutput = z.object({
  from: z.string(),
  to: z.string(),
  /** Calls per day by outcome of every call the filters keep, oldest first; days without calls are left out. */
  days: z.array(z.object({ day: z.string(), calls: outcomeCounts })),
  /** A page of calls by tenant, environment and endpoint, in Tenant ID order ('' for calls that proved no tenant). */
  lines: z.array(usageLineOutput),
  nextCursor: z.string().nullable(),
  /** The endpoints with calls in the period, in order, whatever the filters: none when the app had no calls. */
  endpoints: z.array(z.string()),
});
