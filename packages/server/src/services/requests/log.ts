import type { Page, RequestLogFilters } from '@gatehouse/domain';
import type { FilterQuery, InferEntity } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { RequestLogLine } from '../../db/entities';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import type { appLogInput, connectionLogInput, requestLineOutput } from '../../routers/requests/schemas';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { findTenantConnection, type TenantAdminActor } from '../connections/lookup';

type Line = z.infer<typeof requestLineOutput>;
type LineRow = InferEntity<typeof RequestLogLine>;

/** Newest first; the id breaks ties between lines of the same millisecond. */
const NEWEST_FIRST: KeysetOrder = [
  ['at', 'desc'],
  ['id', 'desc'],
];

/** Where a status class begins and ends. */
const STATUS_RANGES = {
  '2xx': [200, 300],
  '3xx': [300, 400],
  '4xx': [400, 500],
  '5xx': [500, 600],
} as const;

/** The filters as conditions on the app's lines; `tenantId`, when given, reads along the (app, tenant, at) index. */
function conditionsOf(appId: string, filters: RequestLogFilters): FilterQuery<LineRow> {
  const { statusClass, errorCode, tenantId, environment, endpoint, kind, from, to } = filters;
  const at = { ...(from ? { $gte: from } : {}), ...(to ? { $lte: to } : {}) };
  return {
    appId,
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(kind !== undefined ? { kind } : {}),
    // `token` names every token request, as the log's filter offers it beside the route templates.
    ...(endpoint === 'token' ? { kind: 'token' as const } : endpoint ? { route: endpoint } : {}),
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(statusClass
      ? { status: { $gte: STATUS_RANGES[statusClass][0], $lt: STATUS_RANGES[statusClass][1] } }
      : {}),
    ...(from || to ? { at } : {}),
  };
}

/** A page of the lines the filters keep, newest first, after the cursor of the same list and filters. */
async function linePage(
  em: EntityManager,
  list: string,
  appId: string,
  filters: RequestLogFilters,
  input: { cursor?: string | undefined; limit: number },
): Promise<Page<Line>> {
  const { statusClass, errorCode, tenantId, environment, endpoint, kind, from, to } = filters;
  const tag = listTag(
    list,
    appId,
    statusClass,
    errorCode,
    tenantId,
    environment,
    endpoint,
    kind,
    from?.toISOString(),
    to?.toISOString(),
  );
  const where = conditionsOf(appId, filters);
  const after = input.cursor
    ? afterKey(NEWEST_FIRST, readListCursor(tag, input.cursor, ['moment', 'id']))
    : null;
  const rows = await em.find(RequestLogLine, after ? { $and: [where, after] } : where, {
    orderBy: { at: 'desc', id: 'desc' },
    limit: input.limit + 1,
  });
  const page = listPage(tag, rows, input.limit, (row) => [row.at, row.id]);
  return { items: page.items.map(lineOf), nextCursor: page.nextCursor };
}

function lineOf(row: LineRow): Line {
  const { id, at, requestId, kind, environment, method, route, status } = row;
  const tenantId = row.tenantId ?? null;
  const errorCode = row.errorCode ?? null;
  // A double comes back from PostgreSQL as a number, and may come as text from a driver that keeps precision.
  return {
    id,
    at,
    requestId,
    kind,
    tenantId,
    environment,
    method,
    route,
    status,
    errorCode,
    latencyMs: Number(row.latencyMs),
  };
}

/** A developer's app's request log: every tenant's calls, unless the filters name one. */
export async function appRequestLog(
  em: EntityManager,
  member: OrganizationMember,
  input: z.infer<typeof appLogInput>,
): Promise<Page<Line>> {
  const app = await findOwnedApp(em, member.organizationId, input.appId);
  return linePage(em, 'requests.appLog', app.id, input.filters, input);
}

/**
 * A tenant admin's view of one connection's calls: that app in that tenant and environment only, whatever
 * Tenant ID or environment the filters name. A connection of another tenant answers NOT_FOUND.
 */
export async function connectionRequestLog(
  em: EntityManager,
  admin: TenantAdminActor,
  input: z.infer<typeof connectionLogInput>,
): Promise<Page<Line>> {
  const connection = await findTenantConnection(em, admin, input.connectionId);
  const filters = { ...input.filters, tenantId: connection.tenant.id, environment: connection.environment };
  return linePage(em, 'requests.connectionLog', connection.app.id, filters, input);
}
