import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { KeyPins } from './pins';
import { appKeyRefusal, type Refusal, scopeRefusal, tokenRefusal, unavailableRefusal } from './refusal';
import { isUnreachable, remoteKeys, remoteOf, Unreachable } from './remote';
import { TokenStatusClient } from './status';

export interface VerifierOptions {
  /** The issuer URL of the Gatehouse environment the API belongs to, e.g. `https://gatehouse.example/production`. */
  issuer: string;
  /** How long Gatehouse's word on an app key and token is kept (ms): a disable or revoke shows within it. */
  statusTtlMs?: number;
  /** How long the signing keys are kept before they are fetched again (ms; default ten minutes). */
  jwksTtlMs?: number;
  /** How to reach Gatehouse; the global fetch unless given. */
  fetch?: typeof globalThis.fetch;
  /** How long to wait for Gatehouse before refusing the call with 503 (ms; default 5000). */
  timeoutMs?: number;
}

/** The caller a verified request comes from. */
export interface GatehouseCaller {
  appId: string;
  /** The Tenant ID that granted the access. */
  tenant: string;
  environment: string;
  clientId: string;
  connectionId: string;
  /** The token's scopes that the tenant still grants. */
  scopes: string[];
  /** The access token's id (`jti`), for logs. */
  tokenId: string;
}

/** One call's credentials, as the client sent them, and what the route needs. */
export interface VerifyRequest {
  /** The `ST-App-Key` header (a header sent twice is not taken). */
  appKey: string | string[] | undefined;
  /** The `Authorization` header: `Bearer <token>` (a bare token is taken too, as Gatehouse's API takes it). */
  authorization: string | string[] | undefined;
  /** The scope the route needs, e.g. `tn.crm.customers:r`. */
  scope: string;
  /** The Tenant ID the route names, when it names one: the token must be that tenant's. */
  tenant?: string;
}

export type VerifyResult = { ok: true; caller: GatehouseCaller } | Refusal;

export interface Verifier {
  readonly issuer: string;
  /** Never throws: a refusal says what to answer. */
  verify(request: VerifyRequest): Promise<VerifyResult>;
}

/** The claims of a Gatehouse access token that the verifier reads. */
interface AccessClaims extends JWTPayload {
  app_id: string;
  tenant: string;
  env: string;
  client_id: string;
  cid: string;
  jti: string;
  scope: string;
}

const CLAIMS = ['app_id', 'tenant', 'env', 'client_id', 'cid', 'jti', 'scope'] as const;

function isAccessClaims(payload: JWTPayload): payload is AccessClaims {
  return CLAIMS.every((claim) => typeof payload[claim] === 'string');
}

const BEARER = /^bearer(?: +|$)/i;

/** The header's value when it is one non-blank string. */
function headerValue(value: string | string[] | undefined): string | undefined {
  const text = typeof value === 'string' ? value.trim() : undefined;
  return text ? text : undefined;
}

const MISSING_APP_KEY = 'The ST-App-Key header is required.';
const MISSING_TOKEN = 'The Authorization header with an access token is required.';
const NOT_VALID = 'The access token is not valid.';
const EXPIRED = 'The access token expired.';
const FOREIGN = 'The access token was issued by another issuer or for another audience.';
const OTHER_TENANT = 'The access token is for another tenant.';
const INACTIVE =
  'The access token is revoked, its access disabled or ended, or it belongs to another app than the ST-App-Key.';

/** Gatehouse could not be asked, for as long as it said when it held this resource server back. */
const unavailable = (error: unknown) =>
  unavailableRefusal(error instanceof Unreachable ? error.retryAfterSeconds : 1);

/** What a failed signature or claims check tells the client. */
function refusalOf(error: unknown): Refusal {
  if (isUnreachable(error)) return unavailable(error);
  if (error instanceof errors.JWTExpired) return tokenRefusal(EXPIRED);
  if (error instanceof errors.JWTClaimValidationFailed && (error.claim === 'iss' || error.claim === 'aud'))
    return tokenRefusal(FOREIGN);
  return tokenRefusal(NOT_VALID);
}

/**
 * Verifies calls to a resource server the way Gatehouse's gate does, in the same order: app key → token
 * (ES256 signature from the issuer's key set, `typ` at+jwt, issuer, audience, expiry) → the route's tenant
 * → Gatehouse's word that the app key is the token's app and the access is still live → the route's scope
 * among the scopes still in play. Only a token Gatehouse signed makes it ask Gatehouse anything, and only
 * with the first app key it came with (see KeyPins).
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer.replace(/\/+$/, '');
  const audience = `${issuer}/api`;
  const remote = remoteOf(options);
  const keys: JWTVerifyGetKey = remoteKeys(`${issuer}/.well-known/jwks.json`, remote, options.jwksTtlMs);
  const statuses = new TokenStatusClient(
    `${issuer}/connect/token-status`,
    remote,
    options.statusTtlMs ?? 500,
  );
  const pins = new KeyPins();

  async function verify(request: VerifyRequest): Promise<VerifyResult> {
    const appKey = headerValue(request.appKey);
    if (!appKey) return appKeyRefusal(MISSING_APP_KEY);
    const token = headerValue(request.authorization)?.replace(BEARER, '');
    if (!token) return tokenRefusal(MISSING_TOKEN, { missing: true });

    let claims: AccessClaims;
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer,
        audience,
        requiredClaims: ['exp'],
      });
      if (!isAccessClaims(payload)) return tokenRefusal(NOT_VALID);
      claims = payload;
    } catch (error) {
      return refusalOf(error);
    }
    if (request.tenant !== undefined && request.tenant !== claims.tenant) return tokenRefusal(OTHER_TENANT);

    if (!pins.allows(claims.jti, appKey)) return tokenRefusal(INACTIVE);
    const pinned = pins.pin(claims.jti, appKey);
    let status: Awaited<ReturnType<TokenStatusClient['status']>>;
    try {
      status = await statuses.status(appKey, token);
    } catch (error) {
      if (pinned) pins.unpin(claims.jti, appKey);
      return unavailable(error);
    }
    if (!status.active || status.jti !== claims.jti) return tokenRefusal(INACTIVE);
    const scopes = status.scope.split(' ').filter(Boolean);
    if (!scopes.includes(request.scope)) return scopeRefusal(request.scope);
    return {
      ok: true,
      caller: {
        appId: status.app_id,
        tenant: status.tenant,
        environment: status.env,
        clientId: status.client_id,
        connectionId: status.cid,
        scopes,
        tokenId: status.jti,
      },
    };
  }

  return { issuer, verify };
}
