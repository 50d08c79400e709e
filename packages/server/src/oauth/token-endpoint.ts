import { type Environment, normalizeScopes } from '@gatehouse/domain';
import type { FastifyReply, onResponseHookHandler } from 'fastify';
import { ownRequestId } from '../http/log';
import { TOKEN_ROUTE } from '../requests/line';
import type { RequestLogWriter } from '../requests/log-writer';
import type { UsageRecorder } from '../usage/recorder';
import type { AccessState, ClientRecord } from './access-state';
import { noStore, oauthProblem } from './errors';
import type { Form } from './form';
import type { TokenSigner } from './signer';
import { type GrantFormat, grantFormat, tokenResponse } from './token-format';
import { signAccessToken } from './tokens';

/** A client that authenticated at the token endpoint, with the secret it used. */
export interface AuthenticatedClient {
  client: ClientRecord;
  secretId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The client the request's credentials named, once looked up (null: none, or not looked up). */
    oauthClient: ClientRecord | null;
    /** True once the request's credentials proved that client (its secret checked). */
    oauthClientProven: boolean;
  }
}

export interface TokenEndpointDeps {
  state: AccessState;
  usage: UsageRecorder;
  /** Where token requests are logged, under the app and tenant of the client they named. */
  requestLog: RequestLogWriter;
  /** Where token signatures are made (see signer.ts). */
  signer: TokenSigner;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The client credentials grant (RFC 6749 §4.4) once the client is authenticated: grant checks, then the
 * signature. Everything of a token but its id and times is worked out on the client's first token for a
 * scope and kept with the client's cached record, so a warm request only signs and writes.
 */
export async function grantToken(
  reply: FastifyReply,
  authenticated: AuthenticatedClient,
  form: Form,
  environment: Environment,
  { state, usage, signer }: TokenEndpointDeps,
): Promise<FastifyReply> {
  if (!form.grant_type) return oauthProblem(reply, 'invalid_request', 'grant_type is required.');
  if (form.grant_type !== 'client_credentials')
    return oauthProblem(reply, 'unsupported_grant_type', 'Only client_credentials is supported.');
  const { client, secretId } = authenticated;
  const scopes = requestedScopes(form.scope, client.scopesInPlay);
  if (typeof scopes === 'string') return oauthProblem(reply, 'invalid_scope', scopes);

  const scope = scopes.join(' ');
  const { issuer } = state;
  const key = `${issuer.base}\n${secretId}\n${scope}`;
  let format: GrantFormat | undefined = client.grants.get(key);
  if (!format) {
    format = grantFormat({
      iss: issuer.issuer[environment],
      aud: issuer.audience[environment],
      sub: client.clientId,
      client_id: client.clientId,
      scope,
      tenant: client.tenantId,
      app_id: client.appId,
      cid: client.connectionId,
      env: environment,
      csid: secretId,
    });
    if (client.grants.size < 100) client.grants.set(key, format);
  }

  const { token } = await signAccessToken(state.keys, format.claims, undefined, signer);
  usage.recordToken(client.connectionId, secretId);
  return noStore(reply).type(JSON_TYPE).send(tokenResponse(token, format));
}

/**
 * The scopes a token gets: all those in play, or the requested ones when the
 * client names some (RFC 6749 §3.3), which must all be in play. A string
 * says why the request is refused.
 */
function requestedScopes(requested: string | undefined, inPlay: string[]): string[] | string {
  if (requested === undefined) return inPlay;
  const names = requested.split(' ').filter(Boolean);
  if (names.length === 0) return 'The scope parameter is empty.';
  const allowed = new Set(inPlay);
  const beyond = names.filter((name) => !allowed.has(name));
  if (beyond.length > 0) return `Not among the scopes in play: ${beyond.slice(0, 5).join(' ')}`;
  return normalizeScopes(names);
}

/**
 * The token endpoint's line in the request log, once answered: a request whose credentials named a client
 * of ours is logged under that client's app, granted or refused, with the RFC 6749 error code of a
 * refusal; under its tenant only once the secret proved the client, as a client id is no secret and
 * anyone's wrong guesses must not fill a tenant's log. One naming no known client belongs to no app and is
 * not logged.
 */
export function logTokenRequests(
  environment: Environment,
  requestLog: RequestLogWriter,
): onResponseHookHandler {
  return (request, reply, done) => {
    const client = request.oauthClient;
    if (client && requestLog.enabled)
      requestLog.push({
        at: Date.now(),
        requestId: ownRequestId(request),
        kind: 'token',
        appId: client.appId,
        tenantId: request.oauthClientProven ? client.tenantId : null,
        environment,
        method: 'POST',
        route: TOKEN_ROUTE,
        status: reply.statusCode,
        errorCode: reply.problemCode,
        latencyMs: reply.elapsedTime,
        scope: null,
      });
    done();
  };
}
