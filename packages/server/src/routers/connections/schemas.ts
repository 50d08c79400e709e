import {
  CONNECTION_STATUSES,
  CREDENTIALS_MODES,
  ENVIRONMENTS,
  environmentSchema,
  GRACE_HOURS,
  graceHoursSchema,
  oneLineTextSchema,
  pageInputSchema,
  SECRET_STATES,
} from '@gatehouse/domain';
import { z } from 'zod';

/** The rest of a tenant procedure's input: `tenantProcedure` adds the `tenantId` and checks it first. */
export const environmentInput = z.object({ environment: environmentSchema });
/**
 * A page of one of the tenant's lists in one environment: 50 at a time (at most
 * 200), narrowed to app names containing `search` in any letter case.
 */
export const tenantListInput = pageInputSchema(50, 200).extend({
  environment: environmentSchema,
  search: oneLineTextSchema(100).optional(),
});
export const tenantAppInput = environmentInput.extend({ appId: z.string().max(100) });
/** Allow names who the admin was shown would issue the credentials: a mode switched meanwhile is refused, not taken unseen. */
export const allowInput = tenantAppInput.extend({
  credentialsIssuer: z.enum(CREDENTIALS_MODES, {
    error: 'Say who issues the client credentials, as shown on the consent screen',
  }),
});
export const connectionIdInput = z.object({ connectionId: z.string().max(100) });
export const versionChoiceInput = connectionIdInput.extend({ toVersion: z.number().int().min(1) });
export const rotateSecretInput = connectionIdInput.extend({
  graceHours: graceHoursSchema.default(GRACE_HOURS.default),
});
export const revokeSecretInput = connectionIdInput.extend({ secretId: z.string().max(100) });

const environment = z.enum(ENVIRONMENTS);

export const tenantOutput = z.object({ id: z.string(), name: z.string() });

export const connectionSummaryOutput = z.object({
  id: z.string(),
  appId: z.string(),
  appName: z.string(),
  organizationName: z.string(),
  homePageUrl: z.string(),
  tenantId: z.string(),
  environment,
  status: z.enum(CONNECTION_STATUSES),
  acceptedVersion: z.number().int().nullable(),
  latestVersion: z.number().int(),
  newVersionAvailable: z.boolean(),
  /** False once the developer removed this Tenant ID from the app. */
  offered: z.boolean(),
  appDeleted: z.boolean(),
  clientId: z.string().nullable(),
  /** Who issues this connection's client credentials; null while it has none (declined). */
  credentialsIssuer: z.enum(CREDENTIALS_MODES).nullable(),
  updatedAt: z.date(),
  lastTokenAt: z.date().nullable(),
  lastCallAt: z.date().nullable(),
});

export const secretOutput = z.object({
  id: z.string(),
  start: z.string(),
  createdAt: z.date(),
  createdBy: z.string(),
  lastUsedAt: z.date().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  state: z.enum(SECRET_STATES),
});

export const scopeChangeOutput = z.object({
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
});

export const connectionDetailOutput = connectionSummaryOutput.extend({
  scopesInPlay: z.array(z.string()),
  secrets: z.array(secretOutput),
  upgrade: scopeChangeOutput.nullable(),
});

export const availableAppOutput = z.object({
  appId: z.string(),
  name: z.string(),
  organizationName: z.string(),
  homePageUrl: z.string(),
  latestVersion: z.number().int(),
  declined: z.boolean(),
});

export const appForTenantOutput = availableAppOutput.extend({
  scopes: z.array(z.string()),
  /** Who would issue the client credentials of a connection allowed now. */
  credentialsIssuer: z.enum(CREDENTIALS_MODES),
  connection: connectionSummaryOutput.nullable(),
});

export const issuedCredentialsOutput = z.object({
  connection: connectionSummaryOutput,
  clientId: z.string(),
  clientSecret: z.string(),
});

export const issuedSecretOutput = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  secret: secretOutput,
});
