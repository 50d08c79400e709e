import { controlCharacterErrors, DomainError, type Environment } from '@gatehouse/domain';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { edgeErrorHandler, refusedInput, sendProblem } from '../http/problem';
import type { UsageRecorder } from '../usage/recorder';
import { DEMO_RESOURCES, type DemoResource } from './demo-data';
import type { Gate, GateCall, GateResult, Refusal } from './gate';
import { CONTROL_IN_URL, itemParams, listParams, pagingQuery, WRITABLE } from './input';
import { type FailureLimiter, holdBack } from './rate-limit';
import { rateHeaders, refuse } from './refusal';
import { type ResourceStore, recordJson, type Snapshot } from './store';
import { endpointOf, type GateTarget, gateTarget } from './targets';

export interface ResourceRoutesOptions {
  environment: Environment;
  gate: Gate;
  store: ResourceStore;
  usage: UsageRecorder;
  /** Failed authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
}

type Admitted = Extract<GateResult, { ok: true }>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The gate's verdict on a resource-API call it let through; null before it did. */
    admitted: Admitted | null;
  }
}

const LIST = '/:area/v2/tenant/:tenant/:resource';
const ITEM = `${LIST}/:id`;
const JSON_TYPE = 'application/json; charset=utf-8';
const NO_DEMO_DATA = 'This resource has no data in the demo API yet.';

/** One record of a snapshot, as the JSON written once per snapshot. */
function sendRecord(reply: FastifyReply, snapshot: Snapshot, id: string): FastifyReply {
  const json = recordJson(snapshot, Number(id));
  if (json === undefined) throw new DomainError('NOT_FOUND', `No record ${id}.`);
  return reply.type(JSON_TYPE).send(json);
}

const isItem = (request: FastifyRequest) => (request.params as { id?: string }).id !== undefined;

/**
 * The resource API of one environment, registered by the REST edge under the environment's prefix. Each
 * call is screened, then judged by the gate (the `preValidation` hook), and only then are its path, query
 * and body read by the route's schemas: a call that proves nothing learns nothing about its input.
 */
export const resourceRoutes: FastifyPluginAsync<ResourceRoutesOptions> = async (app, options) => {
  const { environment, gate, store, usage, failures } = options;
  // Refused input (a DomainError) and a body Fastify cannot read (malformed JSON, too large, a foreign type)
  // answer in the API's own error shape.
  app.setErrorHandler(edgeErrorHandler);
  app.decorateRequest('admitted', null);

  app.addHook('preValidation', (request, reply, done) => {
    // An address that keeps failing authentication is answered before anything is looked at.
    const waitMs = failures.waitMs(request.ip);
    if (waitMs > 0) return void holdBack(reply, waitMs);
    // Control characters never reach the gate, the usage report or the database: one test of the raw
    // URL for every call, and a walk of the body for the calls that have one.
    if (CONTROL_IN_URL.test(request.url))
      return done(new DomainError('INVALID_INPUT', 'The path or query holds control characters.'));
    const bodyErrors = request.body === undefined ? null : controlCharacterErrors(request.body);
    if (bodyErrors)
      return done(new DomainError('INVALID_INPUT', 'The body holds control characters.', bodyErrors));

    const { area, tenant, resource } = request.params as { area: string; tenant: string; resource: string };
    const call: GateCall = {
      environment,
      target: gateTarget(area, resource),
      tenantId: tenant,
      method: request.method,
      appKey: request.headers['st-app-key'] as string | undefined,
      authorization: request.headers.authorization,
    };
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
    if (!verdict.ok) return void refused(request, reply, call.target, verdict).catch(done);
    rateHeaders(reply, verdict.rate);
    request.admitted = verdict;
    if (!Object.hasOwn(DEMO_RESOURCES, verdict.target.path))
      return done(new DomainError('NOT_FOUND', NO_DEMO_DATA));
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
  const refused = async (
    request: FastifyRequest,
    reply: FastifyReply,
    target: GateTarget | undefined,
    refusal: Refusal,
  ) => {
    if (refusal.pairKey !== undefined && target)
      usage.recordPairCall(
        refusal.pairKey,
        endpointOf(request.method, target, isItem(request)),
        refusal.status,
        refusal.connectionId,
      );
    else if (refusal.appId !== undefined)
      usage.recordUnauthenticated(refusal.appId, environment, refusal.status);
    const waitMs =
      refusal.status === 401 && refusal.pairKey === undefined ? await failures.fail(request.ip) : 0;
    return waitMs > 0 ? holdBack(reply, waitMs) : refuse(reply, refusal);
  };

  // A call the gate let through counts once answered, whatever answered it: its route, or a refusal of its input.
  app.addHook('onResponse', (request, reply, done) => {
    const { admitted } = request;
    if (admitted)
      usage.recordPairCall(
        admitted.verified.pairKey,
        endpointOf(request.method, admitted.target, isItem(request)),
        reply.statusCode,
        admitted.verified.claims.cid,
      );
    done();
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const resourceOf = (request: FastifyRequest) => request.admitted?.target.path as DemoResource;

  api.get(
    LIST,
    {
      schema: { params: listParams, querystring: pagingQuery },
      schemaErrorFormatter: refusedInput('Invalid paging.'),
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const { rows } = await store.list(request.params.tenant, environment, resourceOf(request));
      const start = (page - 1) * pageSize;
      return {
        page,
        pageSize,
        totalCount: rows.length,
        hasMore: start + pageSize < rows.length,
        data: rows.slice(start, start + pageSize),
      };
    },
  );

  // The hot path: one record, as JSON written once per snapshot (see store.ts). A warm read is answered
  // from the cached snapshot without a promise.
  api.get(
    ITEM,
    { schema: { params: itemParams }, schemaErrorFormatter: refusedInput('No such record.') },
    (request, reply) => {
      const { tenant, id } = request.params;
      const resource = resourceOf(request);
      const cached = store.cachedList(tenant, environment, resource);
      if (cached) return sendRecord(reply, cached, id);
      return store.list(tenant, environment, resource).then((loaded) => sendRecord(reply, loaded, id));
    },
  );

  // The writable resources' own routes, matched before the generic ones below.
  for (const [path, writable] of Object.entries(WRITABLE)) {
    const [area, resource] = path.split('/');
    const list = `/:area(^${area}$)/v2/tenant/:tenant/:resource(^${resource}$)`;
    api.post(
      list,
      {
        schema: { params: listParams, body: writable.create },
        schemaErrorFormatter: refusedInput('Invalid record.'),
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await store.create(request.params.tenant, environment, resourceOf(request), request.body)),
    );
    api.patch(
      `${list}/:id`,
      {
        schema: { params: itemParams, body: writable.update },
        schemaErrorFormatter: refusedInput('Invalid change.'),
      },
      async (request) => {
        const { tenant, id } = request.params;
        const row = await store.update(tenant, environment, resourceOf(request), Number(id), request.body);
        if (!row) throw new DomainError('NOT_FOUND', `No record ${id}.`);
        return row;
      },
    );
  }

  /** Every other method: refused with what the resource does take. */
  const notAllowed = async (request: FastifyRequest, reply: FastifyReply) => {
    const writable = WRITABLE[resourceOf(request)] !== undefined;
    const allow = writable ? (isItem(request) ? 'GET, PATCH' : 'GET, POST') : 'GET';
    reply.header('allow', allow);
    return sendProblem(reply, {
      status: 405,
      error: 'method_not_allowed',
      description: `Allowed: ${allow}.`,
    });
  };
  const writes = ['POST', 'PATCH', 'PUT', 'DELETE'];
  api.route({ method: writes, url: LIST, schema: { params: listParams }, handler: notAllowed });
  api.route({
    method: writes,
    url: ITEM,
    schema: { params: itemParams },
    schemaErrorFormatter: refusedInput('No such record.'),
    handler: notAllowed,
  });
};
