import type { Environment } from '@gatehouse/domain';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type FailureLimiter, holdBack, holdBackFailing } from '../resource-api/rate-limit';
import type { AccessState } from './access-state';
import { oauthProblem } from './errors';
import { liveToken } from './live-token';

const INACTIVE = { active: false } as const;

/**
 * What a resource server learns of the credentials a client sent it: inactive, with no reason (the
 * answer is an oracle only for whoever holds the token), or who is calling with which scopes in play.
 */
export const tokenStatusAnswer = z.discriminatedUnion('active', [
  z.object({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    app_id: z.string(),
    tenant: z.string(),
    env: z.string(),
    client_id: z.string(),
    cid: z.string(),
    jti: z.string(),
    scope: z.string(),
    iat: z.number(),
    exp: z.number(),
  }),
]);
export type TokenStatus = z.infer<typeof tokenStatusAnswer>;

/** Answered for a token that is not a token of this environment. */
export const UNPROVEN = 'unproven';

/**
 * Whether `appKey` and `token` would pass the gate right now, but for the route's tenant and scope, which
 * the resource server checks itself: the same liveness rules as the gate and introspection (liveness.ts),
 * read from the access state's caches, which the change feed keeps current. The token is looked at first:
 * only one this environment did not sign is UNPROVEN, which the route counts as a failed authentication.
 * The app key is compared with the key of the token's own app (on its connection's record) and never
 * looked up, so made-up keys cost no lookup; a genuine token with any other key is only inactive, since
 * whoever holds one token could otherwise send it with made-up keys to have the asking resource server's
 * address held back for all its clients.
 */
export async function tokenStatus(
  appKey: string,
  token: string,
  environment: Environment,
  state: AccessState,
): Promise<TokenStatus | typeof UNPROVEN> {
  const live = await liveToken(token, environment, state);
  if (live === 'foreign') return UNPROVEN;
  if (live === 'inactive' || live.connection.appKey !== appKey) return INACTIVE;
  const { claims } = live.verified;
  const scope = live.scopes.join(' ');
  return {
    active: true,
    app_id: claims.app_id,
    tenant: claims.tenant,
    env: claims.env,
    client_id: claims.client_id,
    cid: claims.cid,
    jti: claims.jti,
    scope,
    iat: claims.iat,
    exp: claims.exp,
  };
}

const BEARER = /^bearer(?: +|$)/i;

/** The header's value when it was sent once and is not blank. */
function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? undefined : value?.trim();
  return text ? text : undefined;
}

/**
 * `GET /{env}/connect/token-status`: a resource server forwards the `ST-App-Key` and `Authorization` its
 * client sent. A token that is none of ours counts as a failed authentication of the asking address, as at
 * the resource API, so a flood of made-up tokens is held back (429) before it costs lookups and crowds real
 * apps out of the caches. A good token that is no longer live (revoked, its connection disabled, expired
 * since it was first seen) or sent with another key than its app's is the resource server's everyday
 * business and counts nothing; as at the gate, a token first seen after its expiry proves nothing.
 */
export function tokenStatusRoute(
  app: FastifyInstance,
  environment: Environment,
  state: AccessState,
  failures: FailureLimiter,
): void {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/connect/token-status',
      { preValidation: holdBackFailing(failures), schema: { response: { 200: tokenStatusAnswer } } },
      async (request, reply) => {
        const appKey = single(request.headers['st-app-key']);
        const authorization = single(request.headers.authorization);
        if (!appKey) return oauthProblem(reply, 'invalid_request', 'The ST-App-Key header is required.');
        const token = authorization?.replace(BEARER, '');
        if (!token)
          return oauthProblem(
            reply,
            'invalid_request',
            'The Authorization header with a Bearer access token is required.',
          );
        const answer = await tokenStatus(appKey, token, environment, state);
        if (answer === UNPROVEN) {
          // The question that goes over the limit is held back already.
          const waitMs = await failures.fail(request.ip);
          if (waitMs > 0) return holdBack(reply, waitMs);
        }
        return reply.header('cache-control', 'no-store').send(answer === UNPROVEN ? INACTIVE : answer);
      },
    );
}
