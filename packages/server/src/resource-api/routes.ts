import {
  CONTROL_CHARACTER_CLASS,
  CONTROL_CHARACTER_RANGES,
  controlCharacterErrors,
  fieldErrorsOf,
  isEnvironment,
} from '@gatehouse/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessState } from '../oauth/access-state';
import type { UsageRecorder } from '../usage/recorder';
import { DEMO_RESOURCES, type DemoResource } from './demo-data';
import { type GateResult, type GateTarget, gateTarget, runGate } from './gate';
import { type FailureLimiter, holdBack, type RateLimiter } from './rate-limit';
import { type ResourceStore, recordJson, type Snapshot } from './store';

export interface ResourceRoutesOptions {
  state: AccessState;
  limiter: RateLimiter;
  store: ResourceStore;
  usage: UsageRecorder;
  /** Failed authentications per client address (see rate-limit.ts). */
  failures: FailureLimiter;
}

interface Params {
  env: string;
  area: string;
  tenant: string;
  resource: string;
  id?: string;
}

const customerInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  type: z.enum(['Residential', 'Commercial'], { error: 'type is Residential or Commercial' }),
  email: z.string().trim().email('email must be an email address').max(254).optional(),
  phone: z.string().trim().max(30).optional(),
  active: z.boolean().optional(),
});

/** What each demo resource supports beyond reading: only CRM customers take writes. */
const WRITABLE: Partial<
  Record<
    DemoResource,
    { create: z.ZodType<Record<string, unknown>>; update: z.ZodType<Record<string, unknown>> }
  >
> = {
  'crm/customers': {
    create: customerInput.extend({ active: z.boolean().default(true) }),
    update: customerInput.partial().strict(),
  },
};

const RECORD_ID = /^[0-9]{1,15}$/;

/**
 * A control character in the raw path or query, percent-encoded (C1 ones as UTF-8) or not: the domain's
 * refused characters, their encodings worked out from the same ranges (`%0[0-9a-f]|…|%c2%9[0-9a-f]`).
 */
const CONTROL_IN_URL = (() => {
  const lastDigits = new Map<string, string>();
  for (const [from, to] of CONTROL_CHARACTER_RANGES) {
    for (let code = from; code <= to; code++) {
      const encoded = encodeURIComponent(String.fromCharCode(code)).toLowerCase();
      const head = encoded.slice(0, -1);
      lastDigits.set(head, (lastDigits.get(head) ?? '') + encoded.slice(-1));
    }
  }
  const encodings = [...lastDigits].map(([head, digits]) =>
    digits.length === 1 ? head + digits : `${head}[${digits}]`,
  );
  return new RegExp(`${encodings.join('|')}|[${CONTROL_CHARACTER_CLASS}]`, 'i');
})();
const JSON_TYPE = 'application/json; charset=utf-8';

const pagingInput = z.object({
  page: z.coerce
    .number({ error: 'page must be a number' })
    .int('page must be a whole number')
    .min(1, 'page starts at 1')
    .default(1),
  pageSize: z.coerce
    .number({ error: 'pageSize must be a number' })
    .int('pageSize must be a whole number')
    .min(1, 'pageSize is at least 1')
    .max(500, 'pageSize is at most 500')
    .default(50),
});

function rateHeaders(reply: FastifyReply, rate: { limit: number; remaining: number; retryAfterMs: number }) {
  reply.header('x-ratelimit-limit', rate.limit).header('x-ratelimit-remaining', rate.remaining);
  if (!rate.remaining || rate.retryAfterMs)
    reply.header('x-ratelimit-reset', Math.ceil(rate.retryAfterMs / 1000));
}

function refuse(reply: FastifyReply, verdict: Extract<GateResult, { ok: false }>) {
  if (verdict.status === 401 && verdict.error === 'invalid_token' && !verdict.tokenMissing) {
    reply.header(
      'www-authenticate',
      `Bearer realm="gatehouse", error="invalid_token", error_description="${verdict.description.replace(/"/g, "'")}"`,
    );
  } else if (verdict.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  } else if (verdict.error === 'insufficient_scope') {
    reply.header(
      'www-authenticate',
      `Bearer realm="gatehouse", error="insufficient_scope", scope="${verdict.requiredScope}"`,
    );
  }
  if (verdict.rate) {
    rateHeaders(reply, verdict.rate);
    if (!verdict.rate.allowed)
      reply.header('retry-after', Math.max(1, Math.ceil(verdict.rate.retryAfterMs / 1000)));
  }
  return reply.code(verdict.status).send({
    error: verdict.error,
    error_description: verdict.description,
    ...(verdict.requiredScope ? { scope: verdict.requiredScope } : {}),
  });
}

/** The route template a call counts under in the usage report, e.g. `GET /crm/v2/tenant/{tenant}/customers/{id}`: one string per route and method, made once. */
function endpointOf(method: string, target: GateTarget, id: string | undefined): string {
  let known = target.endpoints.get(method);
  if (!known) {
    const list = `${method} /${target.area.path}/v2/tenant/{tenant}/${target.resource.path}`;
    known = { list, item: `${list}/{id}` };
    target.endpoints.set(method, known);
  }
  return id === undefined ? known.list : known.item;
}

function notFound(reply: FastifyReply, id: string | undefined) {
  return reply.code(404).send({ error: 'not_found', error_description: `No record ${id}.` });
}

/** One record, as JSON written once per snapshot. */
function sendRecord(reply: FastifyReply, snapshot: Snapshot, recordId: number, id: string | undefined) {
  const json = recordJson(snapshot, recordId);
  return json === undefined ? notFound(reply, id) : reply.type(JSON_TYPE).send(json);
}

type Request = FastifyRequest<{ Params: Params; Querystring: Record<string, string> }>;

export async function resourceRoutes(app: FastifyInstance, options: ResourceRoutesOptions): Promise<void> {
  const { state, limiter, store, usage, failures } = options;

  // A body Fastify cannot read (malformed JSON, too large, a foreign type) answers in the API's own error shape.
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return reply
        .code(413)
        .send({ error: 'invalid_request', error_description: 'The request body is too large.' });
    if (status === 415)
      return reply
        .code(415)
        .send({ error: 'invalid_request', error_description: 'Send the body as application/json.' });
    if (status < 500)
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: 'The request body could not be read.' });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({
      error: 'server_error',
      error_description: 'Something went wrong on our side. Please try again.',
    });
  });

  /**
   * Not an async function: a warm call passes the gate, reads its record and
   * sends it without creating a promise; only a cache load or a write waits.
   * Every path returns the reply, which tells Fastify it was sent.
   */
  const handle = (request: Request, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
    const held = failures.waitMs(request.ip);
    if (held > 0) return holdBack(reply, held);
    // Control characters never reach the gate, the usage report or the database: one test of the raw
    // URL for every call, and a walk of the body for the calls that have one.
    if (CONTROL_IN_URL.test(request.url))
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: 'The path or query holds control characters.' });
    if (request.body !== undefined) {
      const fields = controlCharacterErrors(request.body);
      if (fields)
        return reply.code(400).send({
          error: 'invalid_request',
          error_description: 'The body holds control characters.',
          fields,
        });
    }
    const { env, area, tenant, resource } = request.params;
    const verdict = runGate(
      {
        environment: env,
        areaPath: area,
        resourcePath: resource,
        tenantId: tenant,
        method: request.method,
        appKey: request.headers['st-app-key'] as string | undefined,
        authorization: request.headers.authorization,
      },
      state,
      limiter,
    );
    return verdict instanceof Promise
      ? verdict.then((settled) => answer(request, reply, settled))
      : answer(request, reply, verdict);
  };

  const answer = (
    request: Request,
    reply: FastifyReply,
    verdict: GateResult,
  ): FastifyReply | Promise<FastifyReply> => {
    const { env, area, tenant, resource, id } = request.params;
    if (!verdict.ok) {
      // A call counts under a tenant only once its token proved that tenant (and the app of the key); a
      // failure before that counts in the app's one bucket per day and environment, whatever the path
      // says, and a call without a live app key counts nowhere.
      const target = gateTarget(area, resource);
      if (verdict.pairKey !== undefined && target)
        usage.recordPairCall(
          verdict.pairKey,
          endpointOf(request.method, target, id),
          verdict.status,
          verdict.connectionId,
        );
      else if (verdict.appId !== undefined && isEnvironment(env))
        usage.recordUnauthenticated(verdict.appId, env, verdict.status);
      // Only a failure that proved nothing counts against the address: a token that proved its app and tenant
      // but is expired, revoked or of a disabled connection is that tenant's business, not a forgery, and must
      // not hold back the app's calls for its other tenants from the same address.
      if (verdict.status !== 401 || verdict.pairKey !== undefined) return refuse(reply, verdict);
      const wait = failures.fail(request.ip);
      return wait instanceof Promise
        ? wait.then((ms) => (ms > 0 ? holdBack(reply, ms) : refuse(reply, verdict)))
        : wait > 0
          ? holdBack(reply, wait)
          : refuse(reply, verdict);
    }
    rateHeaders(reply, verdict.rate);
    // The token's tenant is the path's, so it is a real Tenant ID.
    const endpoint = endpointOf(request.method, verdict.target, id);
    const served = serve(request, reply, verdict.target.path, tenant, verdict.environment, id);
    if (served instanceof Promise) {
      return served.then(() => {
        usage.recordPairCall(verdict.verified.pairKey, endpoint, reply.statusCode, verdict.claims.cid);
        return reply;
      });
    }
    usage.recordPairCall(verdict.verified.pairKey, endpoint, reply.statusCode, verdict.claims.cid);
    return reply;
  };

  /** Sends the answer: right away for a warm read, after the database for anything else. */
  const serve = (
    request: Request,
    reply: FastifyReply,
    key: string,
    tenant: string,
    environment: 'integration' | 'production',
    id: string | undefined,
  ): FastifyReply | Promise<FastifyReply> => {
    if (!Object.hasOwn(DEMO_RESOURCES, key)) {
      return reply
        .code(404)
        .send({ error: 'not_found', error_description: 'This resource has no data in the demo API yet.' });
    }
    const resource = key as DemoResource;
    const recordId = id === undefined ? undefined : RECORD_ID.test(id) ? Number(id) : NaN;
    if (Number.isNaN(recordId)) return notFound(reply, id);

    if (request.method === 'GET' && recordId !== undefined) {
      const listed = store.list(tenant, environment, resource);
      return listed instanceof Promise
        ? listed.then((snapshot) => sendRecord(reply, snapshot, recordId, id))
        : sendRecord(reply, listed, recordId, id);
    }
    return serveOther(request, reply, resource, tenant, environment, id, recordId);
  };

  const serveOther = async (
    request: Request,
    reply: FastifyReply,
    resource: DemoResource,
    tenant: string,
    environment: 'integration' | 'production',
    id: string | undefined,
    recordId: number | undefined,
  ) => {
    const writable = WRITABLE[resource];
    if (request.method === 'GET') {
      const paging = pagingInput.safeParse(request.query);
      if (!paging.success)
        return reply.code(400).send({
          error: 'invalid_request',
          error_description: 'Invalid paging.',
          fields: fieldErrorsOf(paging.error),
        });
      const { page, pageSize } = paging.data;
      const { rows } = await store.list(tenant, environment, resource);
      const start = (page - 1) * pageSize;
      return reply.send({
        page,
        pageSize,
        totalCount: rows.length,
        hasMore: start + pageSize < rows.length,
        data: rows.slice(start, start + pageSize),
      });
    }
    const allow = writable ? (recordId === undefined ? 'GET, POST' : 'GET, PATCH') : 'GET';
    if (request.method === 'POST' && writable && recordId === undefined) {
      const parsed = writable.create.safeParse(request.body);
      if (!parsed.success)
        return reply.code(400).send({
          error: 'invalid_request',
          error_description: 'Invalid record.',
          fields: fieldErrorsOf(parsed.error),
        });
      return reply.code(201).send(await store.create(tenant, environment, resource, parsed.data));
    }
    if (request.method === 'PATCH' && writable && recordId !== undefined) {
      const parsed = writable.update.safeParse(request.body);
      if (!parsed.success)
        return reply.code(400).send({
          error: 'invalid_request',
          error_description: 'Invalid change.',
          fields: fieldErrorsOf(parsed.error),
        });
      const row = await store.update(tenant, environment, resource, recordId, parsed.data);
      return row ? reply.send(row) : notFound(reply, id);
    }
    return reply
      .code(405)
      .header('allow', allow)
      .send({ error: 'method_not_allowed', error_description: `Allowed: ${allow}.` });
  };

  const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
  app.route({ method: [...methods], url: '/:env/api/:area/v2/tenant/:tenant/:resource', handler: handle });
  app.route({
    method: [...methods],
    url: '/:env/api/:area/v2/tenant/:tenant/:resource/:id',
    handler: handle,
  });
}
