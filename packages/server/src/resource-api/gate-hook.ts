import { controlCharacterErrors, DomainError, type Environment } from '@gatehouse/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
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
  }
}

export interface GateHookOptions<Call extends GateCall> {
  environment: Environment;
  gate: Gate;
  usage: UsageRecorder;
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
  const { environment, gate, usage, failures, callOf, admit } = options;
  app.decorateRequest('gateCall', null);
  app.decorateRequest('admitted', null);

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
    if (refusal.pairKey !== undefined)
      usage.recordPairCall(refusal.pairKey, call.endpoint, refusal.status, refusal.connectionId);
    else if (refusal.appId !== undefined)
      usage.recordUnauthenticated(refusal.appId, environment, refusal.status);
    const waitMs =
      refusal.status === 401 && refusal.pairKey === undefined ? await failures.fail(request.ip) : 0;
    return waitMs > 0 ? holdBack(reply, waitMs) : refuse(reply, refusal);
  };

  // A call the gate let through counts once answered, whatever answered it: its route, or a refusal of its input.
  app.addHook('onResponse', (request, reply, done) => {
    const { admitted, gateCall } = request;
    if (admitted && gateCall)
      usage.recordPairCall(
        admitted.verified.pairKey,
        gateCall.endpoint,
        reply.statusCode,
        admitted.verified.claims.cid,
      );
    done();
  });
}
