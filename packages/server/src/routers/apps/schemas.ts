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
  oneLineTextSchema,
  REVIEW_STATUSES,
  scopesSchema,
  tenantIdSchema,
  USAGE_OUTCOMES,
} from '@gatehouse/domain';
import { z } from 'zod';

/** Any string: an id that is malformed, foreign or missing all answer NOT_FOUND alike. */
export const appIdInput = z.object({ appId: z.string().max(100) });

export const listAppsInput = z.object({
  page: z.number().int().min(1).max(100_000).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
  search: oneLineTextSchema(100).optional(),
});

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

export const appListOutput = z.object({
  items: z.array(appSummaryOutput),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalCount: z.number().int(),
});

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
  tenantIds: z.array(z.string()),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const saveScopesOutput = z.object({
  changed: z.boolean(),
  version: z.number().int(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

export const tenantIdsOutput = z.object({ tenantIds: z.array(z.string()) });

export const versionOutput = z.object({
  number: z.number().int(),
  scopes: z.array(z.string()),
  createdAt: z.date(),
  createdBy: z.object({ name: z.string(), email: z.string() }),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

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

export const generatedSecretOutput = z.object({ clientId: z.string(), clientSecret: z.string() });

export const usageInput = appIdInput.extend({ days: z.number().int().min(1).max(90).default(30) });

export const usageOutput = z.object({
  from: z.string(),
  to: z.string(),
  /** More rows matched than the report holds; the oldest days were left out. */
  truncated: z.boolean(),
  rows: z.array(
    z.object({
      day: z.string(),
      tenantId: z.string(),
      environment: z.enum(ENVIRONMENTS),
      endpoint: z.string(),
      outcome: z.enum(USAGE_OUTCOMES),
      calls: z.number().int(),
    }),
  ),
});
