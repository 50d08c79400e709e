import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** RFC 6749 §5.2 error codes the token, introspection and revocation endpoints answer with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

/**
 * RFC 6749 §5.2 with RFC 7235: a client that sent Basic credentials gets 401
 * and a Basic challenge; every other failure, client authentication in the
 * body or none at all included, is a 400 (a 401 would need a challenge for a
 * scheme the client did not use).
 */
export function sendOAuthError(
  reply: FastifyReply,
  code: OAuthErrorCode,
  description: string,
  options: { basic?: boolean; status?: 413 } = {},
) {
  const challenge = code === 'invalid_client' && options.basic === true;
  reply
    .code(options.status ?? (challenge ? 401 : 400))
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache');
  if (challenge) reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  return reply.send({ error: code, error_description: description });
}

/**
 * The OAuth endpoints' error handler: a body Fastify could not read (too
 * large, a broken length) is the client's `invalid_request` in OAuth's own
 * JSON; anything else is ours, logged and answered without internals.
 */
export function oauthErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 500;
  if (status === 413)
    return sendOAuthError(reply, 'invalid_request', 'The request body is too large.', { status: 413 });
  if (status < 500) return sendOAuthError(reply, 'invalid_request', 'The request body could not be read.');
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).header('cache-control', 'no-store').send({
    error: 'server_error',
    error_description: 'Something went wrong on our side. Please try again.',
  });
}
