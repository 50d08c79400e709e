import { controlCharacterErrors, DomainError, type Environment } from '@gatehouse/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ownRequestId } from '../http/log';
import type { RequestLogWriter } from '../requests/log-writer';
import type { UsageRecorder } from '../usage/recorder';
import type { Gate, GateCall, GateResult, Refusal } from './gate';
import { CONTROL_IN_URL } from './input';
import { type FailureLimiter, holdBack } from './rate-limit';
import { rateHeaders, refuse } from './refusal';

export type Admitted = Extract<GateResult, { ok: true }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The resource-API call as its route read it, once the gate looked at it; null before. */
    gateCall: GateCall | null;
    /** The gate's verdict on a resource-API call it let through; null before it did. */
    admitted: Admitted | null;
    /** The gate's refusal of a resource-API call; null unless it refused it. */
    refusal: Refusal | null;
  }
}

export interface GateHookOptions<Call extends GateCall> {
  environment: Environment;
  gate: Gate;
  usage: UsageRecorder;
  /** Where each call that names a live app key is logged, and a day's first rate-limit refusal told. */
  requestLog: RequestLogWriter;
  /** Failed authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
  /** The call as its route reads it (tenant, needed scope, usage endpoint), once the URL passed screening. */
  callOf(request: FastifyRequest): Call;
  /** Why an admitted call still cannot go on to its route (the demo: a resource without data), if it cannot. */
  admit?(request: FastifyRequest): Error | undefined;
}

/**
 * The gate in front of a group of resource-API routes, the demo's and the gateway's alike: screening, the
 * gate's verdict, the answer to a refusal and the usage count of every call. A `preValidation` hook, so a
 * call that proves nothing learns nothing about its input: the routes' schemas read it only afterwards.
 */
export function gateHook<Call extends GateCall>(app: FastifyInstance, options: GateHookOptions<Call>): void {
  const { environment, gate, usage, requestLog, failures, callOf, admit } = options;
  app.decorateRequest('gateCall', null);
  app.decorateRequest('admitted', null);
  app.decorateRequest('refusal', null);

  app.addHook('preValidation', (request, reply, done) => {
    // An address that keeps failing authentication is answered before anything is looked at.
    const waitMs = failures.waitMs(request.ip);
    if (waitMs > 0) return void holdBack(reply, waitMs);
    // Control characters never reach the gate, the usage report, an upstream or the database: one test of
    // the raw URL for every call, and a walk of the body for the calls whose body was parsed.
    if (CONTROL_IN_URL.test(request.url))
      return done(new DomainError('INVALID_INPUT', 'The path or query holds control characters.'));
    const bodyErrors = request.body === undefined ? null : controlCharacterErrors(request.body);
    if (bodyErrors)
      return done(new DomainError('INVALID_INPUT', 'The body holds control characters.', bodyErrors));

    const call = callOf(request);
    request.gateCall = call;
    // The gate's fast path first: a warm call is judged without a promise (see Gate.cachedVerdict).
    const cached = gate.cachedVerdict(call);
    if (cached) return judged(request, reply, call, cached, done);
    gate.check(call).then((verdict) => judged(request, reply, call, verdict, done), done);
  });

  /** A call the gate let through goes on to its route with its quota; a refused one is answered here. */
  const judged = (
    request: FastifyRequest,
    reply: FastifyReply,
    call: GateCall,
    verdict: GateResult,
    done: HookHandlerDoneFunction,
  ) => {
    if (!verdict.ok) return void refused(request, reply, call, verdict).catch(done);
    rateHeaders(reply, verdict.rate);
    request.admitted = verdict;
    const problem = admit?.(request);
    if (problem) return done(problem);
    done();
  };

  /**
   * A refused call counts under a tenant only once its token proved that tenant (and the app of the key);
   * a failure before that counts in the app's one bucket per day and environment, whatever the path says,
   * and a call without a live app key counts nowhere. Only a failure that proved nothing counts against
   * the address: a token that proved its app and tenant but is expired, revoked or of a disabled
   * connection is that tenant's business, not a forgery, and must not hold back the app's calls for its
   * other tenants from the same address.
   */
  const refused = async (request: FastifyRequest, reply: FastifyReply, call: GateCall, refusal: Refusal) => {
    request.refusal = refusal;
    if (refusal.pairKey !== undefined) {
      usage.recordPairCall(refusal.pairKey, call.endpoint, refusal.status, refusal.connectionId);
      if (refusal.status === 429) requestLog.rateLimitHits.refused(refusal.pairKey, refusal.connectionId);
    } else if (refusal.appId !== undefined)
      usage.recordUnauthenticated(refusal.appId, environment, refusal.status);
    const waitMs =
      refusal.status === 401 && refusal.pairKey === undefined ? await failures.fail(request.ip) : 0;
    return waitMs > 0 ? holdBack(reply, waitMs) : refuse(reply, refusal);
  };

  /** One line of the request log: every value the call already has, nothing built for it. */
  const logCall = (
    request: FastifyRequest,
    reply: FastifyReply,
    call: GateCall,
    appId: string,
    tenantId: string | null,
    scope: string | null,
  ) =>
    requestLog.push({
      at: Date.now(),
      requestId: ownRequestId(request),
      kind: 'api',
      appId,
      tenantId,
      environment,
      method: request.method,
      route: call.endpoint,
      status: reply.statusCode,
      errorCode: reply.problemCode,
      latencyMs: reply.elapsedTime,
      scope,
    });

  /**
   * A call the gate let through counts once answered, whatever answered it: its route, or a refusal of its
   * input. The request log takes every call that named a live app key, let through or refused, under the
   * tenant its token proved (none before that), with the answer's status, error code and time; the scope
   * a call needed counts as used once the gate let it through.
   */
  app.addHook('onResponse', (request, reply, done) => {
    const { admitted, gateCall, refusal } = request;
    if (admitted && gateCall) {
      const { pairKey, claims } = admitted.verified;
      usage.recordPairCall(pairKey, gateCall.endpoint, reply.statusCode, claims.cid);
      if (requestLog.enabled)
        logCall(request, reply, gateCall, claims.app_id, claims.tenant, gateCall.scope ?? null);
    } else if (refusal?.appId !== undefined && gateCall && requestLog.enabled) {
      const tenantId = refusal.pairKey === undefined ? null : gateCall.tenantId;
      logCall(request, reply, gateCall, refusal.appId, tenantId, null);
    }
    done();
  });
}
