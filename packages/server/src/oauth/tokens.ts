import { randomUUID, sign } from 'node:crypto';
import type { Environment } from '@gatehouse/domain';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { SIGNING_ALGORITHM, type SigningKeys } from './keys';
import type { TokenSigner } from './signer';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  grantFormat,
  type TokenClaims,
  tokenPayload,
  type VerifiedToken,
  verifiedToken,
} from './token-format';

export function issuerFor(baseUrl: string, env: Environment): string {
  return `${baseUrl}/${env}`;
}

export function audienceFor(baseUrl: string, env: Environment): string {
  return `${baseUrl}/${env}/api`;
}

/** What this instance issues as, per environment: the strings a token's `iss` and `aud` must equal. */
export interface IssuerNames {
  base: string;
  issuer: Readonly<Record<Environment, string>>;
  audience: Readonly<Record<Environment, string>>;
}

export function issuerNames(base: string): IssuerNames {
  return {
    base,
    issuer: { integration: issuerFor(base, 'integration'), production: issuerFor(base, 'production') },
    audience: { integration: audienceFor(base, 'integration'), production: audienceFor(base, 'production') },
  };
}

/**
 * Signs with node:crypto directly: the token endpoint is a hot path, and
 * WebCrypto costs several times more per ES256 signature. The server hands
 * signatures to its TokenSigner (a worker thread, in batches); without one,
 * the signature is computed on libuv's thread pool. Either way the event loop
 * goes on answering other requests meanwhile. The JWS is compact
 * serialisation with the header prepared once per key. `claims` are the
 * token's, or the shared claims of a GrantFormat (see token-format.ts). Tokens last 900 s unless the
 * caller asks for less (the portal's integration tokens for the API reference).
 */
export async function signAccessToken(
  keys: SigningKeys,
  claims: TokenClaims | string,
  now = Math.floor(Date.now() / 1000),
  signer?: TokenSigner,
  lifetimeSeconds = ACCESS_TOKEN_TTL_SECONDS,
) {
  // randomUUID draws from a cached entropy pool: much cheaper per token than a fresh randomBytes call.
  const jti = randomUUID();
  const exp = now + lifetimeSeconds;
  const shared = typeof claims === 'string' ? claims : grantFormat(claims).claims;
  const input = `${keys.current.header}.${Buffer.from(tokenPayload(shared, jti, now, exp)).toString('base64url')}`;
  const signature = signer
    ? await signer.sign(input, keys.current.key)
    : await new Promise<string>((resolve, reject) =>
        sign(
          'sha256',
          Buffer.from(input, 'latin1'),
          { key: keys.current.key, dsaEncoding: 'ieee-p1363' },
          (error, signed) => (error ? reject(error) : resolve(signed.toString('base64url'))),
        ),
      );
  return { token: `${input}.${signature}`, jti, exp };
}

/**
 * Verifies signature, `typ`, expiry and shape. Returns null for anything that
 * is not a valid token of ours; callers answer `invalid_token`.
 */
export async function verifyAccessToken(keys: SigningKeys, token: string): Promise<VerifiedToken | null> {
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = kid ? keys.verifiers.get(kid) : undefined;
    if (!key) return null;
    const { payload } = await jwtVerify(token, key, { algorithms: [SIGNING_ALGORITHM], typ: 'at+jwt' });
    return verifiedToken(payload);
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError || error instanceof SyntaxError)
      return null;
    throw error;
  }
}
