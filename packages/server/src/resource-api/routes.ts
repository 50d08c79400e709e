import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LIMITS, fieldErrorsOf } from '@gatehouse/domain';
import type { AccessState } from '../oauth/access-state';
import type { UsageRecorder } from '../usage/recorder';
import { DEMO_RESOURCES, type DemoResource } from './demo-data';
import { runGate, type GateResult } from './gate';
import type { RateLimiter } from './rate-limit';
import type { ResourceStore } from './store';

export interface ResourceRoutesOptions {
  state: AccessState;
  limiter: RateLimiter;
  store: ResourceStore;
  usage: UsageRecorder;
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
const WRITABLE: Partial<Record<DemoResource, { create: z.ZodType<Record<string, unknown>>; update: z.ZodType<Record<string, unknown>> }>> = {
  'crm/customers': { create: customerInput.extend({ active: z.boolean().default(true) }), update: customerInput.partial().strict() },
};

/** Usage is counted per Tenant ID; a path segment that cannot be one is not counted (nor would it fit the tenant column). */
const TENANT_ID = new RegExp(`^[1-9][0-9]{0,${LIMITS.tenantIdDigits - 1}}$`);

const pagingInput = z.object({
  page: z.coerce.number({ error: 'page must be a number' }).int('page must be a whole number').min(1, 'page starts at 1').default(1),
  pageSize: z.coerce.number({ error: 'pageSize must be a number' }).int('pageSize must be a whole number').min(1, 'pageSize is at least 1').max(500, 'pageSize is at most 500').default(50),
});

function rateHeaders(reply: FastifyReply, rate: { limit: number; remaining: number; retryAfterMs: number }) {
  reply.header('x-ratelimit-limit', rate.limit).header('x-ratelimit-remaining', rate.remaining);
  if (!rate.remaining || rate.retryAfterMs) reply.header('x-ratelimit-reset', Math.ceil(rate.retryAfterMs / 1000));
}

function refuse(reply: FastifyReply, verdict: Extract<GateResult, { ok: false }>) {
  if (verdict.status === 401 && verdict.error === 'invalid_token') {
    reply.header('www-authenticate', `Bearer realm="gatehouse", error="invalid_token", error_description="${verdict.description.replace(/"/g, "'")}"`);
  } else if (verdict.status === 401) {
    reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  } else if (verdict.error === 'insufficient_scope') {
    reply.header('www-authenticate', `Bearer realm="gatehouse", error="insufficient_scope", scope="${verdict.requiredScope}"`);
  }
  if (verdict.rate) {
    rateHeaders(reply, verdict.rate);
    if (!verdict.rate.allowed) reply.header('retry-after', Math.max(1, Math.ceil(verdict.rate.retryAfterMs / 1000)));
  }
  return reply.code(verdict.status).send({ error: verdict.error, error_description: verdict.description, ...(verdict.requiredScope ? { scope: verdict.requiredScope } : {}) });
}

/** The route template a call counts under in the usage report, e.g. `GET /crm/v2/tenant/{tenant}/customers/{id}`. */
function endpointOf(method: string, area: string, resource: string, id: string | undefined): string {
  return `${method} /${area}/v2/tenant/{tenant}/${resource}${id === undefined ? '' : '/{id}'}`;
}

export async function resourceRoutes(app: FastifyInstance, options: ResourceRoutesOptions): Promise<void> {
  const { state, limiter, store, usage } = options;

  const handle = async (request: FastifyRequest<{ Params: Params; Querystring: Record<string, string> }>, reply: FastifyReply) => {
    const { env, area, tenant, resource, id } = request.params;
    const verdict = await runGate(
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
    // Calls are counted under the app once it is known, and only for a real environment and Tenant ID.
    const appId = verdict.ok ? verdict.claims.app_id : verdict.appId;
    const countable = appId !== undefined && (env === 'integration' || env === 'production') && TENANT_ID.test(tenant);
    if (!verdict.ok) {
      if (countable) usage.recordCall(appId, tenant, env, endpointOf(request.method, area, resource, id), verdict.status, verdict.connectionId);
      return refuse(reply, verdict);
    }
    rateHeaders(reply, verdict.rate);
    const answer = await serve(request, reply, `${area}/${resource}`, tenant, verdict.environment, id);
    if (countable) usage.recordCall(appId, tenant, verdict.environment, endpointOf(request.method, area, resource, id), reply.statusCode, verdict.claims.cid);
    return answer;
  };

  const serve = async (request: FastifyRequest<{ Params: Params; Querystring: Record<string, string> }>, reply: FastifyReply, key: string, tenant: string, environment: 'integration' | 'production', id: string | undefined) => {
    if (!Object.hasOwn(DEMO_RESOURCES, key)) {
      return reply.code(404).send({ error: 'not_found', error_description: 'This resource has no data in the demo API yet.' });
    }
    const resource = key as DemoResource;
    const writable = WRITABLE[resource];
    const recordId = id === undefined ? undefined : /^[0-9]{1,15}$/.test(id) ? Number(id) : NaN;
    if (Number.isNaN(recordId)) return reply.code(404).send({ error: 'not_found', error_description: `No record ${id}.` });

    if (request.method === 'GET' && recordId === undefined) {
      const paging = pagingInput.safeParse(request.query);
      if (!paging.success) return reply.code(400).send({ error: 'invalid_request', error_description: 'Invalid paging.', fields: fieldErrorsOf(paging.error) });
      const { page, pageSize } = paging.data;
      const listed = store.list(tenant, environment, resource);
      const { rows } = listed instanceof Promise ? await listed : listed;
      const start = (page - 1) * pageSize;
      return { page, pageSize, totalCount: rows.length, hasMore: start + pageSize < rows.length, data: rows.slice(start, start + pageSize) };
    }
    if (request.method === 'GET') {
      const listed = store.list(tenant, environment, resource);
      const row = (listed instanceof Promise ? await listed : listed).byId.get(recordId!);
      return row ?? reply.code(404).send({ error: 'not_found', error_description: `No record ${id}.` });
    }
    const allow = writable ? (recordId === undefined ? 'GET, POST' : 'GET, PATCH') : 'GET';
    if (request.method === 'POST' && writable && recordId === undefined) {
      const parsed = writable.create.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', error_description: 'Invalid record.', fields: fieldErrorsOf(parsed.error) });
      return reply.code(201).send(await store.create(tenant, environment, resource, parsed.data));
    }
    if (request.method === 'PATCH' && writable && recordId !== undefined) {
      const parsed = writable.update.safeParse(request.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', error_description: 'Invalid change.', fields: fieldErrorsOf(parsed.error) });
      const row = await store.update(tenant, environment, resource, recordId, parsed.data);
      return row ?? reply.code(404).send({ error: 'not_found', error_description: `No record ${id}.` });
    }
    return reply.code(405).header('allow', allow).send({ error: 'method_not_allowed', error_description: `Allowed: ${allow}.` });
  };

  const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
  app.route({ method: [...methods], url: '/:env/api/:area/v2/tenant/:tenant/:resource', handler: handle });
  app.route({ method: [...methods], url: '/:env/api/:area/v2/tenant/:tenant/:resource/:id', handler: handle });
}
