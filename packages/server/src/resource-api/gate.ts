import type { Environment } from '@gatehouse/domain';
import { LRUCache } from 'lru-cache';
import { TTL_RESOLUTION_MS } from '../cache';
import { type AccessState, type AppRecord, type ConnectionRecord, STATE_TTL_MS } from '../oauth/access-state';
import { connectionProblem, expiryProblem, grantsScope, issueProblem } from '../oauth/liveness';
import { signatureOf, type VerifiedToken } from '../oauth/token-format';
import type { IssuerNames } from '../oauth/tokens';
import type { RateDecision, RateLimiter } from './rate-limit';

/**
 * One resource-API call, as the gate judges it. Its route works out what the call needs (the demo's from
 * the catalog resource and the method, the gateway's from its route rules), so the gate judges every
 * route alike.
 */
export interface GateCall {
  environment: Environment;
  tenantId: string;
  /** The scope the call needs; undefined when the path names nothing that can be called (404). */
  scope: string | undefined;
  /** The route template the usage report counts the call under (`GET /crm/v2/tenant/{tenant}/customers`). */
  endpoint: string;
  appKey: string | undefined;
  authorization: string | undefined;
}

export type Refusal = {
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

export type GateResult =
  | { ok: true; verified: VerifiedToken; connection: ConnectionRecord; rate: RateDecision }
  | Refusal;

/** What a token proved at the gate's lookups, for one app key, tenant, environment and issuer. */
interface Proof {
  ok: true;
  token: string;
  appKey: string;
  tenantId: string;
  environment: Environment;
  issuer: IssuerNames;
  app: AppRecord;
  appId: string;
  verified: VerifiedToken;
  connection: ConnectionRecord | null;
}

/** A path that names nothing to call: the same answer whichever route found it so. */
export const NOT_FOUND: Refusal = {
  ok: false,
  status: 404,
  error: 'not_found',
  description: 'No such resource.',
};
const MISSING_APP_KEY: Refusal = {
  ok: false,
  status: 401,
  error: 'invalid_app_key',
  description: 'The ST-App-Key header is required.',
};
const UNKNOWN_APP_KEY: Refusal = {
  ok: false,
  status: 401,
  error: 'invalid_app_key',
  description: 'The ST-App-Key is not a live app key.',
};

const unauthorized = (description: string, appId: string, pairKey?: string): Refusal => ({
  ok: false,
  status: 401,
  error: 'invalid_token',
  description,
  appId,
  ...(pairKey ? { pairKey } : {}),
});

/** The token without its scheme: existing platform clients send it bare. */
function tokenOf(authorization: string | undefined): string {
  if (!authorization) return '';
  const raw = authorization.trim();
  return raw.length > 7 && BEARER.test(raw) ? raw.slice(7).trimStart() : raw;
}

const BEARER = /^bearer /i;

/**
 * Every resource-API call passes here, in a fixed order: route → app key →
 * token (signature, environment, issuer and audience, app, tenant) → expiry →
 * connection still active, token not revoked, its client secret still live →
 * rate limit → scope, in the token and still in play (the liveness rules are
 * oauth/liveness.ts, shared with introspection). Returns a verdict rather
 * than throwing.
 */
export class Gate {
  /**
   * What a token proved at the lookups, by its signature: the next call with the same token, key and
   * tenant skips them and checks only what changes from call to call (expiry, the secret's end, the rate
   * limit, the scope). A proof stands while the app and connection records it was made from are still
   * the cached ones: a change that drops either (see access-state.ts) ends the proofs made from it, and
   * no others.
   */
  private readonly proofs = new LRUCache<string, Proof>({
    max: 100_000,
    ttl: STATE_TTL_MS,
    ttlResolution: TTL_RESOLUTION_MS,
  });
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly state: AccessState,
    private readonly limiter: RateLimiter,
  ) {
    state.extraStats.push(() => ({ cache: 'proofs', hits: this.hits, misses: this.misses }));
  }

  /**
   * The gate's speed, in one place: the verdict on a call whose token already proved this key and tenant,
   * made from memory without a promise, while the rate limit counts in this process. Undefined sends the
   * call down `check`, the gate in full; nothing was counted then.
   */
  cachedVerdict(call: GateCall, now = Date.now()): GateResult | undefined {
    // A limiter that counts elsewhere (Redis) needs a promise anyway: skip the lookup that `check` makes too.
    if (call.scope === undefined || !this.limiter.takeNow) return undefined;
    const proof = this.remembered(call, now);
    if (!proof) return undefined;
    return (
      this.lifeProblem(proof, now) ??
      this.scopeVerdict(call.scope, proof, this.limiter.takeNow(proof.verified.pairKey))
    );
  }

  async check(call: GateCall, now = Date.now()): Promise<GateResult> {
    const { scope, appKey } = call;
    if (scope === undefined) return NOT_FOUND;
    if (!appKey) return MISSING_APP_KEY;
    const proof = this.remembered(call, now) ?? (await this.prove(call, appKey, tokenOf(call.authorization)));
    if (!proof.ok) return proof;
    const dead = this.lifeProblem(proof, now);
    if (dead) return dead;
    // Every call of a known app and tenant counts against the limit and reports the quota, refused ones included.
    const rate = await this.limiter.take(proof.verified.pairKey);
    return this.scopeVerdict(scope, proof, rate);
  }

  /** The app key, the token and its claims, and the token's connection, looked up in that order. */
  private async prove(call: GateCall, appKey: string, token: string): Promise<Proof | Refusal> {
    this.misses++;
    const app = await this.state.appByKey(appKey);
    if (!app) return UNKNOWN_APP_KEY;
    const { appId } = app;
    if (!token)
      return {
        ...unauthorized('The Authorization header with an access token is required.', appId),
        tokenMissing: true,
      };
    const verified = await this.state.verify(token);
    if (!verified) return unauthorized('The access token is not valid.', appId);
    const { claims } = verified;
    const { issuer } = this.state;
    const foreign = issueProblem(claims, call.environment, issuer);
    if (foreign !== null) return unauthorized(foreign, appId);
    if (claims.app_id !== appId)
      return unauthorized('The access token belongs to another app than the ST-App-Key.', appId);
    if (claims.tenant !== call.tenantId)
      return unauthorized('The access token is for another tenant.', appId);
    const connection = await this.state.connection(claims.cid);
    const { tenantId, environment } = call;
    const proof: Proof = {
      ok: true,
      token,
      appKey,
      tenantId,
      environment,
      issuer,
      app,
      appId,
      verified,
      connection,
    };
    this.proofs.set(signatureOf(token), proof);
    return proof;
  }

  private remembered(call: GateCall, now: number): Proof | undefined {
    const token = tokenOf(call.authorization);
    const proof = token ? this.proofs.get(signatureOf(token)) : undefined;
    if (
      proof === undefined ||
      proof.token !== token ||
      proof.appKey !== call.appKey ||
      proof.tenantId !== call.tenantId ||
      proof.environment !== call.environment ||
      proof.issuer !== this.state.issuer ||
      !this.state.current(now) ||
      this.state.cachedApp(proof.appKey) !== proof.app ||
      this.state.cachedConnection(proof.verified.claims.cid) !== proof.connection
    )
      return undefined;
    this.hits++;
    return proof;
  }

  /**
   * From here the token proved its app and the path's tenant: a failure counts under that pair, and not as
   * a forged credential against the caller's address (a batch whose tokens expire together is no attack).
   */
  private lifeProblem({ verified, appId, connection }: Proof, now: number): Refusal | undefined {
    const problem =
      expiryProblem(verified.claims, now) ?? connectionProblem(verified.claims, connection, now);
    return problem === null ? undefined : unauthorized(problem, appId, verified.pairKey);
  }

  private scopeVerdict(requiredScope: string, proof: Proof, rate: RateDecision): GateResult {
    const { verified, appId, connection } = proof;
    const known = { appId, pairKey: verified.pairKey, connectionId: verified.claims.cid, rate };
    if (!rate.allowed)
      return {
        ok: false,
        status: 429,
        error: 'rate_limited',
        description: 'Too many calls: 60 per second per app and tenant.',
        ...known,
      };
    // lifeProblem refuses a missing connection.
    const live = connection as ConnectionRecord;
    if (!grantsScope(verified, live, requiredScope))
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `This call needs the scope ${requiredScope}.`,
        requiredScope,
        ...known,
      };
    return { ok: true, verified, connection: live, rate };
  }
}
