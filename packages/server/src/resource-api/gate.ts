import {
  type CatalogArea,
  type CatalogResource,
  type Environment,
  isEnvironment,
  SCOPE_CATALOG,
  scopeString,
} from '@gatehouse/domain';
import type { AccessState, AppRecord, ConnectionRecord } from '../oauth/access-state';
import { connectionProblem, expiryProblem, grantsScope, issueProblem } from '../oauth/liveness';
import type { AccessTokenClaims, VerifiedToken } from '../oauth/tokens';
import type { RateDecision, RateLimiter } from './rate-limit';

export interface GateInput {
  environment: string;
  areaPath: string;
  resourcePath: string;
  tenantId: string;
  method: string;
  appKey: string | undefined;
  authorization: string | undefined;
}

/** A catalog resource as the gate sees it, with the strings it needs worked out once at start. */
export interface GateTarget {
  area: CatalogArea;
  resource: CatalogResource;
  /** `crm/customers`: the resource's path below the area. */
  path: string;
  readScope: string;
  writeScope: string;
  /** The route templates calls count under in the usage report, by method (filled in as methods come). */
  endpoints: Map<string, { list: string; item: string }>;
}

export type GateResult =
  | {
      ok: true;
      environment: Environment;
      target: GateTarget;
      verified: VerifiedToken;
      claims: AccessTokenClaims;
      rate: RateDecision;
      requiredScope: string;
    }
  | {
      ok: false;
      status: 401 | 403 | 404 | 429;
      error: 'not_found' | 'invalid_app_key' | 'invalid_token' | 'insufficient_scope' | 'rate_limited';
      description: string;
      /** Known once the app key checked out: the failure counts in the app's bucket of calls that proved no tenant. */
      appId?: string;
      /** Known once the token proved its app and the path's tenant: only then does the failure count under that tenant. */
      pairKey?: string;
      /** No token was sent at all: RFC 6750 §3.1 wants the challenge without an error code then. */
      tokenMissing?: boolean;
      connectionId?: string;
      requiredScope?: string;
      rate?: RateDecision;
    };

/** Area path → resource path → target: two lookups by the path segments as they come, no string built per call. */
const TARGETS: ReadonlyMap<string, ReadonlyMap<string, GateTarget>> = new Map(
  SCOPE_CATALOG.map((area) => [
    area.path,
    new Map(
      area.resources.map((resource) => [
        resource.path,
        {
          area,
          resource,
          path: `${area.path}/${resource.path}`,
          readScope: scopeString(area.key, resource.key, 'r'),
          writeScope: scopeString(area.key, resource.key, 'w'),
          endpoints: new Map(),
        },
      ]),
    ),
  ]),
);

export function gateTarget(areaPath: string, resourcePath: string): GateTarget | undefined {
  return TARGETS.get(areaPath)?.get(resourcePath);
}

const NOT_FOUND: GateResult = {
  ok: false,
  status: 404,
  error: 'not_found',
  description: 'No such resource.',
};
const MISSING_APP_KEY: GateResult = {
  ok: false,
  status: 401,
  error: 'invalid_app_key',
  description: 'The ST-App-Key header is required.',
};
const UNKNOWN_APP_KEY: GateResult = {
  ok: false,
  status: 401,
  error: 'invalid_app_key',
  description: 'The ST-App-Key is not a live app key.',
};

const unauthorized = (description: string, appId: string, pairKey?: string): GateResult => ({
  ok: false,
  status: 401,
  error: 'invalid_token',
  description,
  appId,
  ...(pairKey ? { pairKey } : {}),
});

/** One call on its way through the gate. */
interface Passage {
  input: GateInput;
  environment: Environment;
  target: GateTarget;
  state: AccessState;
  limiter: RateLimiter;
  now: number;
  app: AppRecord;
  verified: VerifiedToken;
}

/** The token without its scheme: existing platform clients send it bare. */
function tokenOf(authorization: string | undefined): string {
  if (!authorization) return '';
  const raw = authorization.trim();
  return raw.length > 7 && BEARER.test(raw) ? raw.slice(7).trimStart() : raw;
}

const BEARER = /^bearer /i;

/**
 * Every resource-API call passes here, in a fixed order: route → app key →
 * token (signature, environment, issuer and audience, app, tenant, expiry) →
 * connection still active, token not revoked, its client secret still live →
 * rate limit → scope, in the token and still in play (the liveness rules are
 * oauth/liveness.ts, shared with introspection). Returns a verdict
 * rather than throwing. Warm, every step is a cache hit and the verdict comes
 * back as a plain value (no promise, no microtask); a step whose cache entry
 * must be loaded first continues once the load is done.
 */
export function runGate(
  input: GateInput,
  state: AccessState,
  limiter: RateLimiter,
  now = Date.now(),
): GateResult | Promise<GateResult> {
  const environment = input.environment as Environment;
  const target = isEnvironment(environment) ? gateTarget(input.areaPath, input.resourcePath) : undefined;
  if (!target) return NOT_FOUND;
  if (!input.appKey) return MISSING_APP_KEY;
  const app = state.appByKey(input.appKey);
  return app instanceof Promise
    ? app.then((found) => checkToken(found, input, environment, target, state, limiter, now))
    : checkToken(app, input, environment, target, state, limiter, now);
}

function checkToken(
  app: AppRecord | null,
  input: GateInput,
  environment: Environment,
  target: GateTarget,
  state: AccessState,
  limiter: RateLimiter,
  now: number,
): GateResult | Promise<GateResult> {
  if (!app) return UNKNOWN_APP_KEY;
  const token = tokenOf(input.authorization);
  if (!token)
    return {
      ok: false,
      status: 401,
      error: 'invalid_token',
      description: 'The Authorization header with an access token is required.',
      appId: app.appId,
      tokenMissing: true,
    };
  const verification = state.verify(token);
  return verification instanceof Promise
    ? verification.then((verified) =>
        checkVerified(verified, app, input, environment, target, state, limiter, now),
      )
    : checkVerified(verification, app, input, environment, target, state, limiter, now);
}

function checkVerified(
  verified: VerifiedToken | null,
  app: AppRecord,
  input: GateInput,
  environment: Environment,
  target: GateTarget,
  state: AccessState,
  limiter: RateLimiter,
  now: number,
): GateResult | Promise<GateResult> {
  if (!verified) return unauthorized('The access token is not valid.', app.appId);
  return checkClaims({ input, environment, target, state, limiter, now, app, verified });
}

function checkClaims(passage: Passage): GateResult | Promise<GateResult> {
  const { claims, pairKey } = passage.verified;
  const { appId } = passage.app;
  const foreign = issueProblem(claims, passage.environment, passage.state.issuer);
  if (foreign !== null) return unauthorized(foreign, appId);
  if (claims.app_id !== appId)
    return unauthorized('The access token belongs to another app than the ST-App-Key.', appId);
  if (claims.tenant !== passage.input.tenantId)
    return unauthorized('The access token is for another tenant.', appId);
  // From here the token proved its app and the path's tenant: a failure counts under that pair, and not as
  // a forged credential against the caller's address (a batch whose tokens expire together is no attack).
  const expired = expiryProblem(claims, passage.now);
  if (expired !== null) return unauthorized(expired, appId, pairKey);
  const connection = passage.state.connection(claims.cid);
  return connection instanceof Promise
    ? connection.then((found) => checkConnection(passage, found))
    : checkConnection(passage, connection);
}

function checkConnection(
  passage: Passage,
  connection: ConnectionRecord | null,
): GateResult | Promise<GateResult> {
  const { claims, pairKey } = passage.verified;
  const problem = connectionProblem(claims, connection, passage.now);
  if (problem !== null) return unauthorized(problem, passage.app.appId, pairKey);
  // connectionProblem refuses a missing connection.
  const live = connection as ConnectionRecord;
  // Every call of a known app and tenant counts against the limit and reports the quota, refused ones included.
  const taken = passage.limiter.take(pairKey);
  return taken instanceof Promise
    ? taken.then((rate) => checkScope(passage, live, rate))
    : checkScope(passage, live, taken);
}

function checkScope(passage: Passage, connection: ConnectionRecord, rate: RateDecision): GateResult {
  const { verified, target, app } = passage;
  const { claims } = verified;
  if (!rate.allowed)
    return {
      ok: false,
      status: 429,
      error: 'rate_limited',
      description: 'Too many calls: 60 per second per app and tenant.',
      appId: app.appId,
      pairKey: verified.pairKey,
      connectionId: claims.cid,
      rate,
    };
  const method = passage.input.method;
  const requiredScope = method === 'GET' || method === 'HEAD' ? target.readScope : target.writeScope;
  if (!grantsScope(verified, connection, requiredScope)) {
    return {
      ok: false,
      status: 403,
      error: 'insufficient_scope',
      description: `This call needs the scope ${requiredScope}.`,
      appId: app.appId,
      pairKey: verified.pairKey,
      connectionId: claims.cid,
      requiredScope,
      rate,
    };
  }
  return { ok: true, environment: passage.environment, target, verified, claims, rate, requiredScope };
}
