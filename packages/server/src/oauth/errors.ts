import type { FastifyReply } from 'fastify';
import { edgeErrorHandler, sendProblem } from '../http/problem';

/** RFC 6749 §5.2 error codes the token, introspection and revocation endpoints answer with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

/** RFC 6749 §5.1: nothing the token endpoint answers may be cached. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/**
 * RFC 6749 §5.2 with RFC 7235: a client that sent Basic credentials gets 401
 * and a Basic challenge; every other failure, client authentication in the
 * body or none at all included, is a 400 (a 401 would need a challenge for a
 * scheme the client did not use).
 */
export function oauthProblem(
  reply: FastifyReply,
  error: OAuthErrorCode,
  description: string,
  options: { basic?: boolean } = {},
): FastifyReply {
  const challenge = error === 'invalid_client' && options.basic === true;
  if (challenge) reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  return sendProblem(noStore(reply), { status: challenge ? 401 : 400, error, description });
}

/** The OAuth endpoints' error handler: the edge's, never cached. */
export const oauthErrorHandler: typeof edgeErrorHandler = (error, request, reply) =>
  edgeErrorHandler(error, request, noStore(reply));
