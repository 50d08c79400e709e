import { ALL_SCOPES, type Environment } from '@gatehouse/domain';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../db/orm';
import { type FailureLimiter, holdBack, holdBackFailing } from '../resource-api/rate-limit';
import { authenticateClient, type ClientRefusal, clientCredentials } from './client-auth';
import { oauthErrorHandler, oauthProblem } from './errors';
import { type Form, formSchema, formValidatorCompiler, readFormsOnly, refusedForm } from './form';
import { introspection, introspectionAnswer, revoke } from './introspection';
import {
  type AuthenticatedClient,
  grantToken,
  logTokenRequests,
  type TokenEndpointDeps,
} from './token-endpoint';
import { tokenStatusRoute } from './token-status';
import type { IssuerNames } from './tokens';

export interface OAuthRoutesOptions extends TokenEndpointDeps {
  environment: Environment;
  db: Database;
  /** Failed client authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
}

/**
 * Authorization server metadata (RFC 8414). The issuer is configuration, never the request's Host; the
 * REST edge serves it at the issuer's own path and at the path-inserted well-known URL of §3.1.
 */
export function metadataOf(environment: Environment, names: IssuerNames) {
  const issuer = names.issuer[environment];
  return {
    issuer,
    token_endpoint: `${issuer}/connect/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/connect/introspect`,
    revocation_endpoint: `${issuer}/connect/revoke`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: ALL_SCOPES,
  };
}

/**
 * The client endpoints' schema: the form they validate, and how the OpenAPI document presents them (a form,
 * the client authenticated by HTTP Basic or by client_id and client_secret in it).
 */
const clientSchema = {
  body: formSchema,
  consumes: ['application/x-www-form-urlencoded'],
  security: [{ clientBasic: [] }, {}] as Record<string, string[]>[],
};
const described = <Schema extends object>(summary: string, schema: Schema) => ({ ...schema, summary });

/**
 * The OAuth endpoints of one environment, registered by the REST edge under
 * the environment's prefix: token, introspection, revocation, token status, metadata, JWKS.
 */
export const oauthRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, options) => {
  const { environment, state, failures } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler(oauthErrorHandler);
  app.setValidatorCompiler(formValidatorCompiler);
  app.setSchemaErrorFormatter(refusedForm);
  readFormsOnly(app);

  /** The three client endpoints take a form, from an address that is not held back for failing (see rate-limit.ts). */
  const clientEndpoint = { preValidation: holdBackFailing(failures), schema: clientSchema };

  /** Client authentication (RFC 6749 §2.3.1); null once the refusal is sent. */
  const authenticated = async (
    request: FastifyRequest,
    form: Form,
    reply: FastifyReply,
  ): Promise<AuthenticatedClient | null> => {
    const credentials = clientCredentials(request.headers.authorization, form);
    if (!credentials.ok) return refuseClient(request, reply, credentials);
    // A client seen lately is a synchronous cache hit: only a new or expired entry waits for the database.
    const cached = state.cachedClient(credentials.id);
    const client = cached === undefined ? await state.client(credentials.id) : cached;
    request.oauthClient = client;
    const auth = authenticateClient(client, credentials, environment);
    request.oauthClientProven = auth.ok;
    return auth.ok ? auth : refuseClient(request, reply, auth);
  };

  /** A wrong credential counts against the address; the one that goes over the limit is held back already. */
  const refuseClient = async (request: FastifyRequest, reply: FastifyReply, refusal: ClientRefusal) => {
    const waitMs = refusal.error === 'invalid_client' ? await failures.fail(request.ip) : 0;
    if (waitMs > 0) holdBack(reply, waitMs);
    else oauthProblem(reply, refusal.error, refusal.description, { basic: refusal.basic });
    return null;
  };

  app.decorateRequest('oauthClient', null);
  app.decorateRequest('oauthClientProven', false);
  const logged = {
    ...clientEndpoint,
    schema: described('Get an access token (client credentials grant, RFC 6749 §4.4)', {
      ...clientSchema,
      body: formSchema.meta({
        description:
          'grant_type=client_credentials; client_id and client_secret unless sent by HTTP Basic; scope, ' +
          'space-separated, to ask for fewer than all the scopes in play.',
        examples: [{ grant_type: 'client_credentials' }],
      }),
    }),
    onResponse: logTokenRequests(environment, options.requestLog),
  };
  api.post('/connect/token', logged, async (request, reply) => {
    const client = await authenticated(request, request.body, reply);
    return client ? grantToken(reply, client, request.body, environment, options) : reply;
  });

  /** Token introspection (RFC 7662): a client may introspect only its own tokens. */
  api.post(
    '/connect/introspect',
    {
      ...clientEndpoint,
      schema: {
        ...described('Introspect one of the client’s tokens (RFC 7662)', clientSchema),
        response: { 200: introspectionAnswer },
      },
    },
    async (request, reply) => {
      const client = await authenticated(request, request.body, reply);
      if (!client) return reply;
      const { token } = request.body;
      if (!token) return oauthProblem(reply, 'invalid_request', 'token is required.');
      const answer = await introspection(token, client.client.clientId, environment, state);
      return reply.header('cache-control', 'no-store').send(answer);
    },
  );

  /** Token revocation (RFC 7009): always 200 for an authenticated client, whatever the token. */
  api.post(
    '/connect/revoke',
    { ...clientEndpoint, schema: described('Revoke one of the client’s tokens (RFC 7009)', clientSchema) },
    async (request, reply) => {
      const client = await authenticated(request, request.body, reply);
      if (!client) return reply;
      const { token } = request.body;
      if (!token) return oauthProblem(reply, 'invalid_request', 'token is required.');
      await revoke(token, client.client.clientId, options.db, state);
      return reply.header('cache-control', 'no-store').send({});
    },
  );

  /** For resource servers that take calls themselves (@gatehouse/verify): are a client's credentials good now? */
  tokenStatusRoute(app, environment, state, failures);

  api.get(
    '/.well-known/oauth-authorization-server',
    { schema: described('Authorization server metadata (RFC 8414)', {}) },
    async () => metadataOf(environment, state.issuer),
  );

  api.get(
    '/.well-known/jwks.json',
    { schema: described('The keys that verify access tokens (JWKS)', {}) },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(state.keys.jwks),
  );
};
