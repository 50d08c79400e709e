import { randomUUID } from 'node:crypto';
import type { Environment } from '@gatehouse/domain';
import { SIGNING_ALGORITHM, type SigningKeys } from '../oauth/keys';
import type { TokenSigner } from '../oauth/signer';

/**
 * The signed assertion an upstream gets with every gateway call (`gatehouse-assertion`): who is calling,
 * as the gate found it, in a compact JWS signed with the key of the access tokens, so an upstream checks
 * it against the environment's JWKS and need not trust the network between Gatehouse and itself.
 */

export const ASSERTION_TYPE = 'gatehouse-assertion+jwt';

/** An assertion is good for this long: one call, with room for clocks that differ a little. */
export const ASSERTION_TTL_SECONDS = 60;

export interface AssertionFacts {
  /** The issuer of the call's environment (its tokens' `iss`). */
  issuer: string;
  /** The upstream's base URL: an assertion meant for one upstream is no good at another. */
  audience: string;
  appId: string;
  tenantId: string;
  environment: Environment;
  clientId: string;
  connectionId: string;
  /** The token's scopes still granted by the connection. */
  scopes: string[];
  requestId: string;
  method: string;
  /** The path as the upstream receives it, without the query. */
  path: string;
  /**
   * The query as the upstream receives it, from its `?` on (absent or empty when there is none): the
   * assertion's `htu` is path and query, so an assertion made for one call does not pass for another
   * query on the same path.
   */
  query?: string;
}

/** The encoded header of each signing key, made once. */
let header: { kid: string; encoded: string } | undefined;

function headerOf(kid: string): string {
  if (header?.kid !== kid)
    header = {
      kid,
      encoded: Buffer.from(JSON.stringify({ alg: SIGNING_ALGORITHM, typ: ASSERTION_TYPE, kid })).toString(
        'base64url',
      ),
    };
  return header.encoded;
}

/** Signs the assertion with the current signing key, on the signer's worker thread like the access tokens. */
export async function signAssertion(
  keys: SigningKeys,
  signer: TokenSigner,
  facts: AssertionFacts,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const { kid, key } = keys.current;
  const claims = {
    iss: facts.issuer,
    aud: facts.audience,
    sub: facts.appId,
    app_id: facts.appId,
    tenant: facts.tenantId,
    env: facts.environment,
    client_id: facts.clientId,
    cid: facts.connectionId,
    scope: facts.scopes.join(' '),
    request_id: facts.requestId,
    htm: facts.method,
    htu: facts.query ? facts.path + facts.query : facts.path,
    jti: randomUUID(),
    iat: now,
    exp: now + ASSERTION_TTL_SECONDS,
  };
  const input = `${headerOf(kid)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${await signer.sign(input, key)}`;
}
