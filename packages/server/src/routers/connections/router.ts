import { pageOutputSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { tenantAdminProcedure, tenantProcedure } from '../../procedures';
import { adminTenants, allowApp, appForTenant, declineApp } from '../../services/connections/consent';
import {
  connectionDetail,
  declineUpgrade,
  setConnectionStatus,
  upgradeConnection,
} from '../../services/connections/lifecycle';
import { availableApps, tenantConnections } from '../../services/connections/lists';
import { revokeSecret, rotateSecret } from '../../services/connections/secrets';
import { router } from '../../trpc';
import {
  allowInput,
  appForTenantOutput,
  availableAppOutput,
  connectionDetailOutput,
  connectionIdInput,
  connectionSummaryOutput,
  issuedCredentialsOutput,
  issuedSecretOutput,
  revokeSecretInput,
  rotateSecretInput,
  tenantAppInput,
  tenantListInput,
  tenantOutput,
  versionChoiceInput,
} from './schemas';

export const connectionsRouter = router({
  tenants: tenantAdminProcedure
    .output(z.array(tenantOutput))
    .query(({ ctx }) => adminTenants(ctx.em, ctx.user)),

  /** API Application Access: the tenant's connected, disabled and declined apps, last changed first. */
  list: tenantProcedure
    .input(tenantListInput)
    .output(pageOutputSchema(connectionSummaryOutput))
    .query(({ ctx, input }) => tenantConnections(ctx.em, input)),

  /** Connect New App: apps offered to the tenant and not connected in the environment, by name. */
  available: tenantProcedure
    .input(tenantListInput)
    .output(pageOutputSchema(availableAppOutput))
    .query(({ ctx, input }) => availableApps(ctx.em, input)),

  app: tenantProcedure
    .input(tenantAppInput)
    .output(appForTenantOutput)
    .query(({ ctx, input }) => appForTenant(ctx.em, input)),

  allow: tenantProcedure
    .input(allowInput)
    .output(issuedCredentialsOutput)
    .mutation(({ ctx, input }) => allowApp(ctx.em, ctx.user, input)),

  decline: tenantProcedure
    .input(tenantAppInput)
    .output(connectionSummaryOutput)
    .mutation(({ ctx, input }) => declineApp(ctx.em, ctx.user, input)),

  get: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionDetailOutput)
    .query(({ ctx, input }) => connectionDetail(ctx.em, ctx.user, input.connectionId)),

  upgrade: tenantAdminProcedure
    .input(versionChoiceInput)
    .output(connectionSummaryOutput)
    .mutation(({ ctx, input }) => upgradeConnection(ctx.em, ctx.user, input)),

  declineUpgrade: tenantAdminProcedure
    .input(versionChoiceInput)
    .output(connectionSummaryOutput)
    .mutation(({ ctx, input }) => declineUpgrade(ctx.em, ctx.user, input)),

  disable: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionSummaryOutput)
    .mutation(({ ctx, input }) => setConnectionStatus(ctx.em, ctx.user, input.connectionId, 'disable')),

  restore: tenantAdminProcedure
    .input(connectionIdInput)
    .output(connectionSummaryOutput)
    .mutation(({ ctx, input }) => setConnectionStatus(ctx.em, ctx.user, input.connectionId, 'restore')),

  rotateSecret: tenantAdminProcedure
    .input(rotateSecretInput)
    .output(issuedSecretOutput)
    .mutation(({ ctx, input }) => rotateSecret(ctx.em, ctx.user, input)),

  revokeSecret: tenantAdminProcedure
    .input(revokeSecretInput)
    .output(z.object({ revoked: z.literal(true) }))
    .mutation(({ ctx, input }) => revokeSecret(ctx.em, ctx.user, input)),
});
