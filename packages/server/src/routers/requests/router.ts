import { developerProcedure, tenantAdminProcedure } from '../../procedures';
import { appLatency, connectionLatency } from '../../services/requests/latency';
import { appRequestLog, connectionRequestLog } from '../../services/requests/log';
import { appScopeUse, connectionScopeUse } from '../../services/requests/scope-use';
import { router } from '../../trpc';
import {
  appLatencyInput,
  appLogInput,
  appScopeUseInput,
  connectionLatencyInput,
  connectionLogInput,
  connectionScopeUseInput,
  latencyOutput,
  requestLogOutput,
  scopeUseOutput,
} from './schemas';

/**
 * What an app's calls looked like: the request log, latency per endpoint and
 * the scopes they used. Developers read their organization's apps; a tenant
 * admin reads one connection of their tenants, and nothing of other tenants.
 */
export const requestsRouter = router({
  appLog: developerProcedure
    .input(appLogInput)
    .output(requestLogOutput)
    .query(({ ctx, input }) => appRequestLog(ctx.em, ctx.developer, input)),

  connectionLog: tenantAdminProcedure
    .input(connectionLogInput)
    .output(requestLogOutput)
    .query(({ ctx, input }) => connectionRequestLog(ctx.em, ctx.user, input)),

  appLatency: developerProcedure
    .input(appLatencyInput)
    .output(latencyOutput)
    .query(({ ctx, input }) => appLatency(ctx.em, ctx.developer, input)),

  connectionLatency: tenantAdminProcedure
    .input(connectionLatencyInput)
    .output(latencyOutput)
    .query(({ ctx, input }) => connectionLatency(ctx.em, ctx.user, input)),

  appScopeUse: developerProcedure
    .input(appScopeUseInput)
    .output(scopeUseOutput)
    .query(({ ctx, input }) => appScopeUse(ctx.em, ctx.developer, input.appId)),

  connectionScopeUse: tenantAdminProcedure
    .input(connectionScopeUseInput)
    .output(scopeUseOutput)
    .query(({ ctx, input }) => connectionScopeUse(ctx.em, ctx.user, input.connectionId)),
});
