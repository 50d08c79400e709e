import { newAppSchema } from '@gatehouse/domain';
import { z } from 'zod';
import { developerProcedure } from '../../procedures';
import { createApp, deleteApp, resubmitApp, updateAppDetails } from '../../services/apps/apps';
import { appConnections, generateSecret } from '../../services/apps/connections';
import { issueIntegrationToken } from '../../services/apps/integration-token';
import { listApps } from '../../services/apps/list';
import { ownedAppDetail } from '../../services/apps/queries';
import { listedTenants } from '../../services/apps/tenant-list';
import { addTenant, removeTenant } from '../../services/apps/tenants';
import { usageReport } from '../../services/apps/usage';
import { listVersions, saveScopes } from '../../services/apps/versions';
import { router } from '../../trpc';
import {
  appDetailOutput,
  appIdInput,
  appListOutput,
  connectionsInput,
  connectionsOutput,
  deleteAppInput,
  generatedSecretOutput,
  generateSecretInput,
  integrationTokenInput,
  integrationTokenOutput,
  listAppsInput,
  saveScopesInput,
  saveScopesOutput,
  tenantChangeOutput,
  tenantInput,
  tenantsInput,
  tenantsOutput,
  updateDetailsInput,
  usageInput,
  usageOutput,
  versionsInput,
  versionsOutput,
} from './schemas';

export const appsRouter = router({
  list: developerProcedure
    .input(listAppsInput)
    .output(appListOutput)
    .query(({ ctx, input }) => listApps(ctx.em, ctx.developer.organizationId, input)),

  get: developerProcedure
    .input(appIdInput)
    .output(appDetailOutput)
    .query(({ ctx, input }) => ownedAppDetail(ctx.em, ctx.developer.organizationId, input.appId)),

  create: developerProcedure
    .input(newAppSchema)
    .output(appDetailOutput)
    .mutation(({ ctx, input }) => createApp(ctx.em, ctx.developer, input)),

  updateDetails: developerProcedure
    .input(updateDetailsInput)
    .output(appDetailOutput)
    .mutation(({ ctx, input }) => updateAppDetails(ctx.em, ctx.developer, input)),

  resubmit: developerProcedure
    .input(appIdInput)
    .output(appDetailOutput)
    .mutation(({ ctx, input }) => resubmitApp(ctx.em, ctx.developer, input.appId)),

  saveScopes: developerProcedure
    .input(saveScopesInput)
    .output(saveScopesOutput)
    .mutation(({ ctx, input }) => saveScopes(ctx.em, ctx.developer, input)),

  tenants: developerProcedure
    .input(tenantsInput)
    .output(tenantsOutput)
    .query(({ ctx, input }) => listedTenants(ctx.em, ctx.developer, input)),

  addTenant: developerProcedure
    .input(tenantInput)
    .output(tenantChangeOutput)
    .mutation(({ ctx, input }) => addTenant(ctx.em, ctx.developer, input)),

  removeTenant: developerProcedure
    .input(tenantInput)
    .output(tenantChangeOutput)
    .mutation(({ ctx, input }) => removeTenant(ctx.em, ctx.developer, input)),

  versions: developerProcedure
    .input(versionsInput)
    .output(versionsOutput)
    .query(({ ctx, input }) => listVersions(ctx.em, ctx.developer, input)),

  connections: developerProcedure
    .input(connectionsInput)
    .output(connectionsOutput)
    .query(({ ctx, input }) => appConnections(ctx.em, ctx.developer, input)),

  generateSecret: developerProcedure
    .input(generateSecretInput)
    .output(generatedSecretOutput)
    .mutation(({ ctx, input }) => generateSecret(ctx.em, ctx.developer, input)),

  integrationToken: developerProcedure
    .input(integrationTokenInput)
    .output(integrationTokenOutput)
    .mutation(({ ctx, input }) => issueIntegrationToken(ctx.em, ctx.developer, input, ctx.accessTokens)),

  usage: developerProcedure
    .input(usageInput)
    .output(usageOutput)
    .query(({ ctx, input }) => usageReport(ctx.em, ctx.developer.organizationId, input)),

  delete: developerProcedure
    .input(deleteAppInput)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteApp(ctx.em, ctx.developer, input)),
});
