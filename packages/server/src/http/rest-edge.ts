import { ENVIRONMENTS } from '@gatehouse/domain';
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Database } from '../db/orm';
import type { GatewayConfig } from '../gateway/config';
import { gatewayRoutes } from '../gateway/routes';
import type { Upstreams } from '../gateway/upstream';
import type { AccessState } from '../oauth/access-state';
import { metadataOf, oauthRoutes } from '../oauth/routes';
import type { TokenSigner } from '../oauth/signer';
import type { RequestLogWriter } from '../requests/log-writer';
import { Gate } from '../resource-api/gate';
import type { FailureLimiter, RateLimiter } from '../resource-api/rate-limit';
import { resourceRoutes } from '../resource-api/routes';
import type { ResourceStore } from '../resource-api/store';
import type { UsageRecorder } from '../usage/recorder';
import { recordOpenApi, serveOpenApi } from './openapi';
import { edgeErrorHandler } from './problem';

export interface RestEdgeOptions {
  db: Database;
  state: AccessState;
  usage: UsageRecorder;
  requestLog: RequestLogWriter;
  signer: TokenSigner;
  /** The resource API's 60 calls per second per app and tenant. */
  limiter: RateLimiter;
  failures: FailureLimiter;
  store: ResourceStore;
  /** Gateway mode: the areas proxied to the platform's own services, and their upstreams. */
  gateway?: { config: GatewayConfig; upstreams: Upstreams };
}

/**
 * The REST edge: for each environment, its OAuth endpoints and its resource
 * API under the environment's prefix (`/integration/connect/token`,
 * `/production/api/crm/v2/tenant/{tenant}/customers`, …), so no route reads
 * the environment from the path. Inputs are read by zod route schemas, and
 * every error body leaves through one sender (problem.ts). An unknown
 * environment matches no route and answers the server's JSON 404. Each environment's OpenAPI document
 * (`/integration/openapi.json`) is made from these routes' schemas (openapi.ts). In
 * gateway mode an area mapped to an upstream is proxied there; the others
 * keep answering from the demo data.
 */
export const restEdge: FastifyPluginAsync<RestEdgeOptions> = async (app, options) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(edgeErrorHandler);
  await recordOpenApi(app);
  const gate = new Gate(options.state, options.limiter);
  for (const environment of ENVIRONMENTS) {
    await app.register(oauthRoutes, { ...options, environment, prefix: `/${environment}` });
    await app.register(resourceRoutes, { ...options, environment, gate, prefix: `/${environment}/api` });
    const { gateway } = options;
    if (gateway && gateway.config.upstreams.size > 0)
      await app.register(gatewayRoutes, {
        ...options,
        gateway: gateway.config,
        upstreams: gateway.upstreams,
        environment,
        gate,
        prefix: `/${environment}/api`,
      });
    // RFC 8414 §3.1: the metadata of an issuer with a path is also found with the path after the well-known name.
    app.get(`/.well-known/oauth-authorization-server/${environment}`, async () =>
      metadataOf(environment, options.state.issuer),
    );
    serveOpenApi(app, environment);
  }
};
