import fastifySwagger from '@fastify/swagger';
import { ENVIRONMENTS, type Environment } from '@gatehouse/domain';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { type OpenApiDocument, openApiOfEnvironment } from './openapi-paths';

/**
 * The REST edge's routes that the OpenAPI document describes: the token, introspection and revocation
 * endpoints, the metadata and JWKS, and the resource API. The gateway's proxied areas, the token status
 * of resource servers and the root's well-known aliases stay out of it.
 */
const ANY_ENVIRONMENT = `^/(${ENVIRONMENTS.join('|')})/`;
const DOCUMENTED = new RegExp(
  `${ANY_ENVIRONMENT}(connect/(token|introspect|revoke)|\\.well-known/(jwks\\.json|oauth-authorization-server))$|${ANY_ENVIRONMENT}api/:area[(/]`,
);

/** A writable resource's own route names its area and resource by a pattern (`:area(^crm$)`): its path names them plainly. */
const FIXED_SEGMENT = /:\w+\(\^([\w-]+)\$\)/g;

/**
 * Registers @fastify/swagger on the REST edge before its routes, so that it records them with the zod
 * schemas they validate with (turned into JSON Schema by fastify-type-provider-zod's transform). Each
 * environment's document is made from that record on its first request (see openapi-paths.ts).
 */
export async function recordOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse API',
        version: '2',
        description:
          'OAuth 2.0 client credentials and the resource API of one environment. A call to the resource API ' +
          'sends an access token from the token endpoint and the app key; each operation names the scope ' +
          'it needs.',
      },
      components: {
        securitySchemes: {
          accessToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token from POST /connect/token (client credentials grant).',
          },
          appKey: {
            type: 'apiKey',
            in: 'header',
            name: 'ST-App-Key',
            description: "The app's key, shown on the app's page in the developer portal.",
          },
          clientBasic: {
            type: 'http',
            scheme: 'basic',
            description:
              "The connection's Client ID and Secret (or client_id and client_secret in the form).",
          },
        },
      },
    },
    transform: (route) => {
      const { url } = route;
      const methods = [route.route.method].flat();
      if (!DOCUMENTED.test(url) || methods.length > 1) return { schema: { hide: true }, url };
      return jsonSchemaTransform({ ...route, url: url.replace(FIXED_SEGMENT, '$1') });
    },
  });
}

/** `GET /{env}/openapi.json`: the environment's document, made once. */
export function serveOpenApi(app: FastifyInstance, environment: Environment): void {
  let document: OpenApiDocument | undefined;
  app.get(`/${environment}/openapi.json`, { schema: { hide: true } }, async (_request, reply) => {
    document ??= openApiOfEnvironment(app.swagger() as OpenApiDocument, environment);
    return reply.header('cache-control', 'public, max-age=300').send(document);
  });
}
