import { type JWTPayload, jwtVerify } from 'jose';
import { isUnreachable, remoteKeys, remoteOf } from './remote';
import { ReplayCache } from './replay';

/** The header Gatehouse's gateway mode sets on every call it passes to an upstream. */
export const ASSERTION_HEADER = 'gatehouse-assertion';

/** Who is calling, as the gateway's gate found it: the claims of a `gatehouse-assertion`. */
export interface GatewayAssertion extends JWTPayload {
  iss: string;
  /** The upstream's base URL as Gatehouse is configured with it. */
  aud: string;
  app_id: string;
  tenant: string;
  env: string;
  client_id: string;
  /** The connection (app × tenant × environment). */
  cid: string;
  /** The token's scopes that the tenant still grants, space-separated. */
  scope: string;
  request_id: string;
  /** The call's method as the upstream receives it. */
  htm: string;
  /** The call's path and query as the upstream receives them (`/base/crm/v2/tenant/1/customers?page=2`). */
  htu: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface AssertionVerifierOptions {
  /** The issuer URL of the Gatehouse environment, e.g. `https://gatehouse.example/production`. */
  issuer: string;
  /** This upstream's base URL, exactly as Gatehouse's gateway configuration names it. */
  audience: string;
  /** How long the signing keys are kept before they are fetched again (ms; default ten minutes). */
  jwksTtlMs?: number;
  fetch?: typeof globalThis.fetch;
  /** How long to wait for the key set (ms; default 5000). */
  timeoutMs?: number;
  /**
   * Refuses an assertion this verifier took already, within its minute of life, so one captured between
   * Gatehouse and the upstream cannot be sent again. On by default, remembering up to `maxEntries`
   * assertions (100,000); `false` turns it off. It remembers in this process only.
   */
  replayCache?: false | { maxEntries?: number };
}

/** The call an assertion must have been made for, as the upstream received it. */
export interface AssertionRequest {
  method: string;
  /**
   * The request target: path and query, exactly as received (`request.url` in Node and Fastify,
   * `req.originalUrl` in Express).
   */
  path: string;
}

export type AssertionResult =
  | { ok: true; claims: GatewayAssertion }
  | {
      ok: false;
      /** 401: the assertion is missing or not good; 503: Gatehouse's key set could not be had. */
      status: 401 | 503;
      error: 'invalid_assertion' | 'temporarily_unavailable';
      description: string;
    };

export interface AssertionVerifier {
  /**
   * Verifies the `gatehouse-assertion` header's value; never throws. Given the request's method and target
   * (always give them), also checks that the assertion was made for this very call: its method, path and query.
   */
  verify(assertion: string | string[] | undefined, request?: AssertionRequest): Promise<AssertionResult>;
}

const TEXT_CLAIMS = [
  'app_id',
  'tenant',
  'env',
  'client_id',
  'cid',
  'scope',
  'request_id',
  'htm',
  'htu',
  'jti',
] as const;

function isAssertion(payload: JWTPayload): payload is GatewayAssertion {
  return TEXT_CLAIMS.every((claim) => typeof payload[claim] === 'string');
}

const refused = (description: string): AssertionResult => ({
  ok: false,
  status: 401,
  error: 'invalid_assertion',
  description,
});

/**
 * For an upstream behind Gatehouse's gateway mode: trusts the caller the gateway names only once its
 * signature (ES256, from the environment's key set), type, issuer, audience and expiry check out, it was
 * made for this call, and it was not taken before, so the network between Gatehouse and the upstream need
 * not be trusted.
 */
export function createAssertionVerifier(options: AssertionVerifierOptions): AssertionVerifier {
  const issuer = options.issuer.replace(/\/+$/, '');
  const keys = remoteKeys(`${issuer}/.well-known/jwks.json`, remoteOf(options), options.jwksTtlMs);
  const replays =
    options.replayCache === false ? undefined : new ReplayCache(options.replayCache?.maxEntries);

  return {
    async verify(assertion, request) {
      const text = typeof assertion === 'string' ? assertion.trim() : '';
      if (!text) return refused(`The ${ASSERTION_HEADER} header is required.`);
      let claims: GatewayAssertion;
      try {
        const { payload } = await jwtVerify(text, keys, {
          algorithms: ['ES256'],
          typ: 'gatehouse-assertion+jwt',
          issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'iat', 'jti'],
        });
        if (!isAssertion(payload)) return refused('The assertion lacks the claims of a Gatehouse assertion.');
        claims = payload;
      } catch (error) {
        if (isUnreachable(error))
          return {
            ok: false,
            status: 503,
            error: 'temporarily_unavailable',
            description: "Gatehouse's signing keys cannot be fetched now.",
          };
        return refused('The assertion is not valid, not for this upstream, or expired.');
      }
      if (request && (claims.htm !== request.method.toUpperCase() || claims.htu !== request.path))
        return refused('The assertion was made for another call.');
      // Taken only once all else checked out: a refused call does not use up the assertion of a good one.
      if (replays && !replays.firstUse(claims.jti, claims.exp * 1000))
        return refused('The assertion was used already.');
      return { ok: true, claims };
    },
  };
}
