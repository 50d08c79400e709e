import { ENVIRONMENTS, resourceByPath, scopeString, type Environment } from '@gatehouse/domain';
import type { AccessState } from '../oauth/access-state';
import type { AccessTokenClaims } from '../oauth/tokens';
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

export type GateResult =
  | { ok: true; environment: Environment; claims: AccessTokenClaims; rate: RateDecision; requiredScope: string }
  | {
      ok: false;
      status: 401 | 403 | 404 | 429;
      error: 'not_found' | 'invalid_app_key' | 'invalid_token' | 'insufficient_scope' | 'rate_limited';
      description: string;
      /** Known once the app key checked out: lets the failure count in the app's usage. */
      appId?: string;
      connectionId?: string;
      requiredScope?: string;
      rate?: RateDecision;
    };

const unauthorized = (description: string, appId: string): GateResult => ({ ok: false, status: 401, error: 'invalid_token', description, appId });

/**
 * Every resource-API call passes here, in a fixed order: route → app key →
 * token (signature, expiry, environment, app, tenant) → connection still
 * active and token not revoked → rate limit → scope. Returns a verdict
 * rather than throwing; nothing on the way touches the database unless a
 * cache entry is older than a second.
 */
export async function runGate(input: GateInput, state: AccessState, limiter: RateLimiter, now = Date.now()): Promise<GateResult> {
  const environment = input.environment as Environment;
  const target = (ENVIRONMENTS as readonly string[]).includes(environment) ? resourceByPath(input.areaPath, input.resourcePath) : undefined;
  if (!target) return { ok: false, status: 404, error: 'not_found', description: 'No such resource.' };

  // Cache hits come back as plain values: awaiting only real loads keeps a warm gate free of microtasks.
  const appLookup = input.appKey ? state.appByKey(input.appKey) : null;
  const app = appLookup instanceof Promise ? await appLookup : appLookup;
  if (!app) return { ok: false, status: 401, error: 'invalid_app_key', description: input.appKey ? 'The ST-App-Key is not a live app key.' : 'The ST-App-Key header is required.' };

  const raw = input.authorization?.trim();
  if (!raw) return unauthorized('The Authorization header with an access token is required.', app.appId);
  // Existing platform clients send the token without the scheme.
  const token = raw.length > 7 && raw.slice(0, 7).toLowerCase() === 'bearer ' ? raw.slice(7).trimStart() : raw;
  const verification = state.verify(token);
  const verified = verification instanceof Promise ? await verification : verification;
  if (!verified) return unauthorized('The access token is not valid.', app.appId);
  const { claims } = verified;
  if (claims.exp * 1000 <= now) return unauthorized('The access token expired.', app.appId);
  if (claims.env !== environment) return unauthorized(`The access token is for the ${claims.env} environment.`, app.appId);
  if (claims.app_id !== app.appId) return unauthorized('The access token belongs to another app than the ST-App-Key.', app.appId);
  if (claims.tenant !== input.tenantId) return unauthorized('The access token is for another tenant.', app.appId);

  const connectionLookup = state.connection(claims.cid);
  const connection = connectionLookup instanceof Promise ? await connectionLookup : connectionLookup;
  if (!connection?.active) return unauthorized("The tenant's access for this app is disabled or gone.", app.appId);
  if (connection.revokedJtis.has(claims.jti)) return unauthorized('The access token was revoked.', app.appId);

  // Every call of a known app and tenant counts against the limit and reports the quota, refused ones included.
  const taken = limiter.take(`${app.appId}:${claims.tenant}:${environment}`);
  const rate = taken instanceof Promise ? await taken : taken;
  if (!rate.allowed) return { ok: false, status: 429, error: 'rate_limited', description: 'Too many calls: 60 per second per app and tenant.', appId: app.appId, connectionId: claims.cid, rate };

  const requiredScope = scopeString(target.area.key, target.resource.key, input.method === 'GET' || input.method === 'HEAD' ? 'r' : 'w');
  if (!verified.scopes.has(requiredScope)) {
    return { ok: false, status: 403, error: 'insufficient_scope', description: `This call needs the scope ${requiredScope}.`, appId: app.appId, connectionId: claims.cid, requiredScope, rate };
  }
  return { ok: true, environment, claims, rate, requiredScope };
}
