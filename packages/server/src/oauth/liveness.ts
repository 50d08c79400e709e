import type { Environment } from '@gatehouse/domain';
import type { ConnectionRecord } from './access-state';
import type { AccessTokenClaims, VerifiedToken } from './token-format';
import type { IssuerNames } from './tokens';

/**
 * When a token with a good signature still works: the one rule the resource-API gate and introspection
 * (RFC 7662) share. Each check answers why the token fails, or null while it passes; the reasons are
 * made once, so a warm gate call that passes allocates nothing.
 */
const FOREIGN_ISSUER = 'The access token was issued by another issuer or for another audience.';
const EXPIRED = 'The access token expired.';
const CONNECTION_GONE = "The tenant's access for this app is disabled or gone.";
const TOKEN_REVOKED = 'The access token was revoked.';
const SECRET_GONE = 'The client secret this token was issued with is revoked or expired.';

/** RFC 9068 §4: issued by this server (as configured, never a request's Host) for this environment's API. */
export function issueProblem(
  claims: AccessTokenClaims,
  environment: Environment,
  issuer: IssuerNames,
): string | null {
  if (claims.env !== environment) return `The access token is for the ${claims.env} environment.`;
  if (claims.iss !== issuer.issuer[environment] || claims.aud !== issuer.audience[environment])
    return FOREIGN_ISSUER;
  return null;
}

export function expiryProblem(claims: AccessTokenClaims, now: number): string | null {
  return claims.exp * 1000 <= now ? EXPIRED : null;
}

/**
 * The connection still backs the token: connected on a live app, the token not revoked, and the client
 * secret it was issued with still live. Revoking that secret, or the end of a rotation's grace period,
 * ends its tokens too (the leak case), whatever their own expiry says.
 */
export function connectionProblem(
  claims: AccessTokenClaims,
  connection: ConnectionRecord | null,
  now: number,
): string | null {
  if (!connection?.active) return CONNECTION_GONE;
  if (connection.revokedJtis.size > 0 && connection.revokedJtis.has(claims.jti)) return TOKEN_REVOKED;
  const secretEnds = connection.liveSecrets.get(claims.csid);
  if (secretEnds === undefined || (secretEnds !== null && secretEnds <= now)) return SECRET_GONE;
  return null;
}

/** The token's scope claim counts only as far as the tenant still grants it: an upgrade that removes a scope ends it for earlier tokens too. */
export function grantsScope(verified: VerifiedToken, connection: ConnectionRecord, scope: string): boolean {
  return verified.scopes.has(scope) && connection.scopesInPlay.has(scope);
}

/** The token's scopes still in play, in its own order (for introspection). */
export function scopesInPlayOf(verified: VerifiedToken, connection: ConnectionRecord): string[] {
  return [...verified.scopes].filter((scope) => grantsScope(verified, connection, scope));
}
