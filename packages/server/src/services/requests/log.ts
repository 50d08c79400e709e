import type { Page, RequestLogFilters } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import type { z } from 'zod';
import { encodeCursor } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import type { appLogInput, connectionLogInput, requestLineOutput } from '../../routers/requests/schemas';
import { findOwnedApp, type OrganizationMember } from '../apps/queries';
import { findTenantConnection, type TenantAdminActor } from '../connections/lookup';
import { type FoundLine, scanLines } from './log-scan';

type Line = z.infer<typeof requestLineOutput>;

/**
 * A page of the lines the filters keep, newest first, after the cursor of the same list and filters; see
 * log-scan.ts for how the blocks are read.
 */
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
  const after = input.cursor ? readListCursor(tag, input.cursor, ['moment', 'number']) : null;
  const { lines, resume } = await scanLines(em, {
    appId,
    filters,
    after: after ? { at: (after[0] as Date).getTime(), key: after[1] as number } : null,
    limit: input.limit,
  });
  if (resume)
    return { items: lines.map(lineOf), nextCursor: encodeCursor([tag, new Date(resume.at), resume.key]) };
  const page = listPage(tag, lines, input.limit, (line) => [new Date(line.at), line.key]);
  return { items: page.items.map(lineOf), nextCursor: page.nextCursor };
}

function lineOf(line: FoundLine): Line {
  const { key, at, ...rest } = line;
  return { id: String(key), at: new Date(at), ...rest };
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
