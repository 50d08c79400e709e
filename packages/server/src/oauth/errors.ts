import type { FastifyReply } from 'fastify';

/** RFC 6749 §5.2 error codes the token, introspection and revocation endpoints answer with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope' | 'unsupported_token_type';

export function sendOAuthError(reply: FastifyReply, code: OAuthErrorCode, description: string, options: { basic?: boolean } = {}) {
  const status = code === 'invalid_client' ? 401 : 400;
  reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (code === 'invalid_client' && options.basic) reply.header('www-authenticate', 'Basic realm="gatehouse", charset="UTF-8"');
  return reply.send({ error: code, error_description: description });
}
