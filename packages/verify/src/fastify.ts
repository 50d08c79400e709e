import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createVerifier, type GatehouseCaller, type Verifier, type VerifierOptions } from './verifier';

declare module 'fastify' {
  interface FastifyInstance {
    /** A preHandler that lets the call through only with Gatehouse credentials that grant `scope`. */
    requireScope(
      scope: string,
    ): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
    gatehouseVerifier: Verifier;
  }
  interface FastifyRequest {
    /** Who is calling: set by `requireScope`, so read it only in routes that require a scope. */
    gatehouse: GatehouseCaller;
  }
}

/** The tenant the route names in its `:tenant` parameter, if it has one. */
function tenantOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const tenant = params?.tenant;
  return typeof tenant === 'string' ? tenant : undefined;
}

const plugin: FastifyPluginAsync<VerifierOptions> = async (app, options) => {
  const verifier = createVerifier(options);
  app.decorate('gatehouseVerifier', verifier);
  app.decorateRequest('gatehouse', null as unknown as GatehouseCaller);
  app.decorate('requireScope', (scope: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await verifier.verify({
      appKey: request.headers['st-app-key'],
      authorization: request.headers.authorization,
      scope,
      tenant: tenantOf(request),
    });
    if (result.ok) {
      request.gatehouse = result.caller;
      return undefined;
    }
    // Returning the reply tells Fastify the answer is sent: the handler does not run.
    reply.code(result.status).headers(result.headers).send(result.body);
    return reply;
  });
};

/**
 * The Fastify plugin: `app.register(gatehouse, { issuer })`, then `{ preHandler: app.requireScope(scope) }`
 * on each route. The route's `:tenant` parameter, when it has one, must be the token's tenant.
 */
export const gatehouse = fp(plugin, { name: '@gatehouse/verify', fastify: '5.x' });
