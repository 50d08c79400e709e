import { DomainError, type Environment } from '@gatehouse/domain';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { edgeErrorHandler, refusedInput, sendProblem } from '../http/problem';
import type { RequestLogWriter } from '../requests/log-writer';
import type { UsageRecorder } from '../usage/recorder';
import { DEMO_RESOURCES, type DemoResource } from './demo-data';
import type { Gate, GateCall } from './gate';
import { gateHook } from './gate-hook';
import { itemParams, listParams, pagingQuery, WRITABLE } from './input';
import type { FailureLimiter } from './rate-limit';
import { type ResourceStore, recordJson, type Snapshot } from './store';
import { endpointOf, type GateTarget, gateTarget, scopeFor } from './targets';

export interface ResourceRoutesOptions {
  environment: Environment;
  gate: Gate;
  store: ResourceStore;
  usage: UsageRecorder;
  requestLog: RequestLogWriter;
  /** Failed authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
}

/** A demo call: the catalog resource its path names (undefined: none), which its route answers from. */
interface DemoCall extends GateCall {
  target: GateTarget | undefined;
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
const targetOf = (request: FastifyRequest) => (request.gateCall as DemoCall).target as GateTarget;

/**
 * The resource API of one environment, registered by the REST edge under the environment's prefix. Each
 * call is screened, then judged by the gate (gate-hook.ts), and only then are its path, query and body
 * read by the route's schemas: a call that proves nothing learns nothing about its input.
 */
export const resourceRoutes: FastifyPluginAsync<ResourceRoutesOptions> = async (app, options) => {
  const { environment, store } = options;
  // Refused input (a DomainError) and a body Fastify cannot read (malformed JSON, too large, a foreign type)
  // answer in the API's own error shape.
  app.setErrorHandler(edgeErrorHandler);
  gateHook<DemoCall>(app, {
    ...options,
    // The scope and usage endpoint from the catalog resource and the method: strings made once per route.
    callOf: (request) => {
      const { area, tenant, resource } = request.params as { area: string; tenant: string; resource: string };
      const { method, headers } = request;
      const target = gateTarget(area, resource);
      return {
        environment,
        target,
        tenantId: tenant,
        scope: target && scopeFor(target, method),
        endpoint: target ? endpointOf(method, target, isItem(request)) : '',
        appKey: headers['st-app-key'] as string | undefined,
        authorization: headers.authorization,
      };
    },
    admit: (request) =>
      Object.hasOwn(DEMO_RESOURCES, targetOf(request).path)
        ? undefined
        : new DomainError('NOT_FOUND', NO_DEMO_DATA),
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  const resourceOf = (request: FastifyRequest) => targetOf(request).path as DemoResource;

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
