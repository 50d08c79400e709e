import {
  ALL_SCOPES,
  type Environment,
  isEnvironment,
  isOneLineText,
  normalizeScopes,
} from '@gatehouse/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { announceAccessChange } from '../access-epoch';
import { RevokedToken } from '../db/entities';
import type { Database } from '../db/orm';
import { type FailureLimiter, holdBack } from '../resource-api/rate-limit';
import type { UsageRecorder } from '../usage/recorder';
import type { AccessState, ClientRecord } from './access-state';
import { authenticateClient, type ClientAuthResult, type FormBody } from './client-auth';
import { oauthErrorHandler, sendOAuthError } from './errors';
import { connectionProblem, expiryProblem, issueProblem, scopesInPlayOf } from './liveness';
import type { TokenSigner } from './signer';
import { ACCESS_TOKEN_TTL_SECONDS, claimsPrefix, signAccessToken } from './tokens';

export interface OAuthRoutesOptions {
  db: Database;
  state: AccessState;
  usage: UsageRecorder;
  /** Where token signatures are made (see signer.ts). */
  signer?: TokenSigner;
  /** Failed client authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
}

const DUPLICATE = Symbol('duplicate parameter');
const CONTROL = Symbol('control characters');
const JSON_TYPE = 'application/json; charset=utf-8';

/** The environment of `/:env/…`, or a 404 already sent. */
function environmentOf(
  request: FastifyRequest<{ Params: { env: string } }>,
  reply: FastifyReply,
): Environment | null {
  if (isEnvironment(request.params.env)) return request.params.env;
  reply.code(404).send({ error: 'Not Found' });
  return null;
}

/** A form body, or null after answering `invalid_request` (wrong media type, repeated parameter). */
function formOf(request: FastifyRequest, reply: FastifyReply): FormBody | null {
  const body = request.body as (FormBody & { [DUPLICATE]?: string; [CONTROL]?: true }) | undefined;
  if (
    !request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ||
    !body ||
    typeof body !== 'object'
  ) {
    sendOAuthError(reply, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
    return null;
  }
  if (body[CONTROL]) {
    sendOAuthError(reply, 'invalid_request', 'A parameter holds control characters.');
    return null;
  }
  if (body[DUPLICATE]) {
    sendOAuthError(reply, 'invalid_request', `The parameter ${body[DUPLICATE]} is repeated.`);
    return null;
  }
  return body;
}

export async function oauthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): Promise<void> {
  const { state, usage, failures } = options;

  type Authenticated = { environment: Environment; body: FormBody; client: ClientRecord; secretId: string };

  /**
   * The common start of the three client endpoints: environment, form body,
   * client authentication; null once an error is sent. A plain value when the
   * client's record is cached, so a warm token request awaits only its signature.
   */
  const authenticated = (
    request: FastifyRequest<{ Params: { env: string } }>,
    reply: FastifyReply,
  ): Authenticated | null | Promise<Authenticated | null> => {
    const environment = environmentOf(request, reply);
    if (!environment) return null;
    // An address that keeps failing client authentication waits before any lookup or hashing.
    const held = failures.waitMs(request.ip);
    if (held > 0) {
      holdBack(reply, held);
      return null;
    }
    const body = formOf(request, reply);
    if (!body) return null;
    const auth = authenticateClient(request, body, environment, state);
    return auth instanceof Promise
      ? auth.then((settled) => admitted(request, reply, settled, environment, body))
      : admitted(request, reply, auth, environment, body);
  };

  const admitted = (
    request: FastifyRequest,
    reply: FastifyReply,
    auth: ClientAuthResult,
    environment: Environment,
    body: FormBody,
  ): Authenticated | null | Promise<null> => {
    if (!auth.ok) {
      if (auth.error !== 'invalid_client') {
        sendOAuthError(reply, auth.error, auth.description, { basic: auth.basic });
        return null;
      }
      const wait = failures.fail(request.ip);
      const answer = (ms: number) => {
        if (ms > 0) holdBack(reply, ms);
        else sendOAuthError(reply, auth.error, auth.description, { basic: auth.basic });
        return null;
      };
      return wait instanceof Promise ? wait.then(answer) : answer(wait);
    }
    return { environment, body, client: auth.client, secretId: auth.secretId };
  };

  /** Client credentials grant (RFC 6749 §4.4), once the client is known. */
  const grant = async (_request: FastifyRequest, reply: FastifyReply, auth: Authenticated) => {
    const { environment, body, client } = auth;
    if (!body.grant_type) return sendOAuthError(reply, 'invalid_request', 'grant_type is required.');
    if (body.grant_type !== 'client_credentials')
      return sendOAuthError(reply, 'unsupported_grant_type', 'Only client_credentials is supported.');

    const inPlay = client.scopesInPlay;
    let scopes = inPlay;
    if (body.scope !== undefined) {
      const requested = body.scope.split(' ').filter(Boolean);
      const allowed = new Set(inPlay);
      const beyond = requested.filter((s) => !allowed.has(s));
      if (requested.length === 0 || beyond.length > 0) {
        return sendOAuthError(
          reply,
          'invalid_scope',
          beyond.length
            ? `Not among the scopes in play: ${beyond.slice(0, 5).join(' ')}`
            : 'The scope parameter is empty.',
        );
      }
      scopes = normalizeScopes(requested);
    }
    const { issuer } = state;
    const scope = scopes.join(' ');
    // Everything but jti, iat and exp is the same for every token of this client, issuer, secret and scope.
    const grantKey = `${issuer.base}\n${auth.secretId}\n${scope}`;
    let shared = client.grants.get(grantKey);
    if (!shared) {
      shared = {
        claims: claimsPrefix({
          iss: issuer.issuer[environment],
          aud: issuer.audience[environment],
          sub: client.clientId,
          client_id: client.clientId,
          scope,
          tenant: client.tenantId,
          app_id: client.appId,
          cid: client.connectionId,
          env: environment,
          csid: auth.secretId,
        }),
        responseTail: `","token_type":"Bearer","expires_in":${ACCESS_TOKEN_TTL_SECONDS},"scope":${JSON.stringify(scope)}}`,
      };
      if (client.grants.size < 100) client.grants.set(grantKey, shared);
    }
    const { token } = await signAccessToken(state.keys, shared.claims, undefined, options.signer);
    usage.recordToken(client.connectionId, auth.secretId);
    // The access token is base64url and dots: it needs no escaping in JSON.
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .type(JSON_TYPE)
      .send(`{"access_token":"${token}${shared.responseTail}`);
  };

  // Only forms are read, up to 16 KiB; any other body is drained unread (the handlers refuse it), and
  // whatever Fastify cannot read answers in OAuth's JSON.
  app.setErrorHandler(oauthErrorHandler);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_request, _body, done) =>
    done(null, undefined),
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_request, body, done) => {
      const params: FormBody & { [DUPLICATE]?: string; [CONTROL]?: true } = {};
      for (const [key, value] of new URLSearchParams(body as string)) {
        if (Object.hasOwn(params, key)) params[DUPLICATE] = key;
        if (!isOneLineText(key) || !isOneLineText(value)) params[CONTROL] = true;
        params[key] = value;
      }
      done(null, params);
    },
  );

  app.post<{ Params: { env: string } }>('/:env/connect/token', (request, reply) => {
    const auth = authenticated(request, reply);
    if (auth instanceof Promise)
      return auth.then((settled) => (settled ? grant(request, reply, settled) : reply));
    return auth ? grant(request, reply, auth) : reply;
  });

  /** Token introspection (RFC 7662): a client may introspect only its own tokens. */
  app.post<{ Params: { env: string } }>('/:env/connect/introspect', async (request, reply) => {
    const auth = await authenticated(request, reply);
    if (!auth) return reply;
    const { environment, body } = auth;
    if (!body.token) return sendOAuthError(reply, 'invalid_request', 'token is required.');
    reply.header('cache-control', 'no-store');
    const verified = await state.verify(body.token);
    const claims = verified?.claims;
    const now = Date.now();
    // Active exactly when the gate would let the token through (see liveness.ts); only the scopes still in
    // play are reported, and a token left with none is inactive.
    if (!verified || !claims || claims.client_id !== auth.client.clientId) return { active: false };
    if (issueProblem(claims, environment, state.issuer) !== null || expiryProblem(claims, now) !== null)
      return { active: false };
    const connection = await state.connection(claims.cid);
    if (connectionProblem(claims, connection, now) !== null || !connection) return { active: false };
    const scope = scopesInPlayOf(verified, connection).join(' ');
    if (!scope) return { active: false };
    return {
      active: true,
      scope,
      client_id: claims.client_id,
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      jti: claims.jti,
      tenant: claims.tenant,
      app_id: claims.app_id,
    };
  });

  /** Token revocation (RFC 7009): always 200 for an authenticated client, whatever the token. */
  app.post<{ Params: { env: string } }>('/:env/connect/revoke', async (request, reply) => {
    const auth = await authenticated(request, reply);
    if (!auth) return reply;
    const { body } = auth;
    if (!body.token) return sendOAuthError(reply, 'invalid_request', 'token is required.');
    const claims = (await state.verify(body.token))?.claims;
    if (claims && claims.client_id === auth.client.clientId && claims.exp * 1000 > Date.now()) {
      const em = options.db.em();
      const exists = await em.count(RevokedToken, { jti: claims.jti });
      if (!exists)
        await em
          .insert(RevokedToken, {
            jti: claims.jti,
            connection: claims.cid,
            expiresAt: new Date(claims.exp * 1000),
            revokedAt: new Date(),
          })
          .catch(() => undefined);
      await announceAccessChange(options.db);
    }
    return reply.header('cache-control', 'no-store').send({});
  });

  /**
   * Authorization server metadata (RFC 8414), at the issuer's own path and at the path-inserted
   * well-known URL of §3.1; the issuer is configuration, never the request's Host.
   */
  const metadata = async (request: FastifyRequest<{ Params: { env: string } }>, reply: FastifyReply) => {
    const environment = environmentOf(request, reply);
    if (!environment) return reply;
    const issuer = state.issuer.issuer[environment];
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
  };
  app.get<{ Params: { env: string } }>('/:env/.well-known/oauth-authorization-server', metadata);
  app.get<{ Params: { env: string } }>('/.well-known/oauth-authorization-server/:env', metadata);

  app.get<{ Params: { env: string } }>('/:env/.well-known/jwks.json', async (request, reply) => {
    if (!environmentOf(request, reply)) return reply;
    return reply.header('cache-control', 'public, max-age=300').send(state.keys.jwks);
  });
}
