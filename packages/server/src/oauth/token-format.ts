import { type Environment, environmentSchema } from '@gatehouse/domain';
import { z } from 'zod';

/**
 * The access token's format in one place: its claims, the key its calls are
 * counted and limited under, and the token endpoint's answer.
 */

export const ACCESS_TOKEN_TTL_SECONDS = 900;

/** What an access token says (RFC 9068 claims plus ours). */
export const accessTokenClaims = z.object({
  iss: z.string(),
  aud: z.string(),
  sub: z.string(),
  client_id: z.string(),
  iat: z.number(),
  exp: z.number(),
  jti: z.string(),
  scope: z.string(),
  /** The tenant that granted access, the app, the connection and the environment. */
  tenant: z.string(),
  app_id: z.string(),
  cid: z.string(),
  env: environmentSchema,
  /** The id of the client secret the token was issued with (never the secret): the token lives only while that secret does. */
  csid: z.string(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaims>;

/** The claims the token endpoint chooses; each token adds its own id and times. */
export type TokenClaims = Omit<AccessTokenClaims, 'iat' | 'exp' | 'jti'>;

/**
 * `app:tenant:environment`, the key a token's calls are rate-limited and counted under. The tenant is
 * empty for an app's calls that proved none (the usage report's one bucket per app and environment).
 */
export function pairKeyOf(appId: string, tenantId: string, environment: Environment): string {
  return `${appId}:${tenantId}:${environment}`;
}

export function pairOf(pairKey: string): { appId: string; tenantId: string; environment: Environment } {
  const [appId = '', tenantId = '', environment] = pairKey.split(':');
  return { appId, tenantId, environment: environment as Environment };
}

export interface VerifiedToken {
  claims: AccessTokenClaims;
  scopes: ReadonlySet<string>;
  /** Worked out once per token: the rate limit and the usage counts are kept under it. */
  pairKey: string;
}

/** A verified signature's payload as a token of ours, or null when it does not have our claims. */
export function verifiedToken(payload: unknown): VerifiedToken | null {
  const parsed = accessTokenClaims.safeParse(payload);
  if (!parsed.success) return null;
  const claims = parsed.data;
  return {
    claims,
    scopes: new Set(claims.scope.split(' ').filter(Boolean)),
    pairKey: pairKeyOf(claims.app_id, claims.tenant, claims.env),
  };
}

/** The JWS signature, the part after the last dot (the whole text when there is none): a token's cache key. */
export function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

/**
 * What every token of one client, issuer, secret and scope shares, worked out once: the claims as JSON
 * without their closing brace (each token completes them) and the end of the token response.
 */
export interface GrantFormat {
  claims: string;
  responseTail: string;
}

export function grantFormat(claims: TokenClaims): GrantFormat {
  return {
    claims: JSON.stringify(claims).slice(0, -1),
    responseTail: `","token_type":"Bearer","expires_in":${ACCESS_TOKEN_TTL_SECONDS},"scope":${JSON.stringify(claims.scope)}}`,
  };
}

/** One token's payload: the shared claims (`GrantFormat.claims`) completed with its id and times. */
export function tokenPayload(sharedClaims: string, jti: string, iat: number, exp: number): string {
  return `${sharedClaims},"jti":"${jti}","iat":${iat},"exp":${exp}}`;
}

/** The token response (RFC 6749 §5.1). The access token is base64url and dots: it needs no escaping in JSON. */
export function tokenResponse(token: string, format: GrantFormat): string {
  return `{"access_token":"${token}${format.responseTail}`;
}
