import {
  type ConnectionStatus,
  type CredentialsMode,
  type Environment,
  type Page,
  tenantFacingIdentity,
} from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import { Connection } from '../../db/entities';
import { afterKey, type KeysetOrder } from '../../db/keyset';
import { listPage, listTag, readListCursor } from '../../db/list-cursor';
import { offeredTenants } from './lookup';
import { type ConnectionFacts, type ConnectionSummary, summarize } from './summaries';
import { containsPattern, tenantFacingNameSql, visibleToListedTenantSql } from './visibility-sql';

/** One page of one tenant's list in one environment, optionally narrowed to app names containing `search`. */
export interface TenantListInput {
  tenantId: string;
  environment: Environment;
  cursor?: string | undefined;
  limit: number;
  search?: string | undefined;
}

const ACCESS_ORDER: KeysetOrder = [
  ['updatedAt', 'desc'],
  ['id', 'desc'],
];

/** The app name a search matches, in any letter case (as far as the database lowers it). */
const NAME_MATCHES = (alias: string) => `lower(${tenantFacingNameSql(alias)}) like lower(?) escape '\\'`;

/** A row of API Application Access's query: the connection's columns, its app's (`a__`) and organization's (`o__`). */
interface ConnectionRow {
  id: string;
  tenant_id: string;
  environment: Environment;
  status: ConnectionStatus;
  accepted_version: number | null;
  declined_version: number | null;
  client_id: string | null;
  credentials_issuer: CredentialsMode;
  updated_at: Moment;
  last_token_at: Moment | null;
  last_call_at: Moment | null;
  a__id: string;
  a__name: string;
  a__home_page_url: string;
  a__listed_name: string | null;
  a__listed_home_page_url: string | null;
  a__latest_version: number;
  a__deleted_at: Moment | null;
  o__name: string;
}

/** A datetime as the driver returns it: a Date (PostgreSQL) or milliseconds since the epoch (SQLite). */
type Moment = Date | number | string;
const moment = (value: Moment): Date => new Date(value);
const momentOrNull = (value: Moment | null): Date | null => (value == null ? null : new Date(value));

/** The facts a summary is made of, read from a row rather than hydrated as entities: a page costs no ORM bookkeeping. */
function factsOf(row: ConnectionRow): ConnectionFacts {
  return {
    id: row.id,
    tenant: { id: row.tenant_id },
    environment: row.environment,
    status: row.status,
    acceptedVersion: row.accepted_version == null ? null : Number(row.accepted_version),
    declinedVersion: row.declined_version == null ? null : Number(row.declined_version),
    clientId: row.client_id,
    credentialsIssuer: row.credentials_issuer,
    updatedAt: moment(row.updated_at),
    lastTokenAt: momentOrNull(row.last_token_at),
    lastCallAt: momentOrNull(row.last_call_at),
    app: {
      id: row.a__id,
      name: row.a__name,
      homePageUrl: row.a__home_page_url,
      listedName: row.a__listed_name,
      listedHomePageUrl: row.a__listed_home_page_url,
      latestVersion: Number(row.a__latest_version),
      deletedAt: momentOrNull(row.a__deleted_at),
      organization: { name: row.o__name },
    },
  };
}

/**
 * API Application Access: a page of the tenant's connected, disabled and declined
 * apps in one environment, last changed first. Two statements a page, whatever the
 * tenant holds: the connections with their apps, then which of those apps still
 * list the tenant.
 */
export async function tenantConnections(
  em: EntityManager,
  input: TenantListInput,
): Promise<Page<ConnectionSummary>> {
  const tag = listTag('connections', input.tenantId, input.environment, input.search);
  const qb = em
    .createQueryBuilder(Connection, 'c')
    .select('c.*')
    .joinAndSelect('c.app', 'a')
    .joinAndSelect('a.organization', 'o')
    .where({ tenant: input.tenantId, environment: input.environment })
    .orderBy({ updatedAt: 'desc', id: 'desc' })
    .limit(input.limit + 1);
  if (input.cursor) qb.andWhere(afterKey(ACCESS_ORDER, readListCursor(tag, input.cursor, ['moment', 'id'])));
  if (input.search) qb.andWhere(NAME_MATCHES('a'), [containsPattern(input.search)]);
  const rows: ConnectionRow[] = await qb.execute('all', false);
  const page = listPage(tag, rows.map(factsOf), input.limit, (c) => [c.updatedAt, c.id]);
  const offered = await offeredTenants(
    em,
    input.tenantId,
    page.items.map((c) => c.app.id),
  );
  return { items: page.items.map((c) => summarize(c, offered.has(c.app.id))), nextCursor: page.nextCursor };
}

/** A row of Connect New App's query. */
interface AvailableRow {
  id: string;
  name: string;
  home_page_url: string;
  listed_name: string | null;
  listed_home_page_url: string | null;
  latest_version: number | string;
  organization_name: string;
  connection_status: string | null;
  sort_name: string;
}

/**
 * From how many listings on a tenant Connect New App walks apps in name order
 * (the expression index) and keeps those listing the tenant, rather than sorting
 * the tenant's listings: a tenant listed by many apps fills a page after a short
 * walk, one listed by few sorts a few rows. PostgreSQL picks between the two by
 * its statistics whatever the query's join order; SQLite follows the order given.
 */
export const DENSE_LISTINGS = 500;

/** Whether at least DENSE_LISTINGS apps list the tenant: reads at most that many index entries, never counts them all. */
async function listedByMany(em: EntityManager, tenantId: string): Promise<boolean> {
  const [row] = await em
    .getConnection()
    .execute<{ n: number | string }[]>(
      'select count(*) as n from (select 1 from app_tenant where tenant_id = ? limit ?) listed',
      [tenantId, DENSE_LISTINGS],
    );
  return Number(row?.n ?? 0) >= DENSE_LISTINGS;
}

/**
 * Connect New App: a page of the apps this tenant may see (isVisibleToTenant, in
 * SQL) that it has not connected in this environment, declined ones marked, by the
 * name the tenant sees in any letter case, then id. Two statements a page.
 */
export async function availableApps(em: EntityManager, input: TenantListInput) {
  const tag = listTag('available', input.tenantId, input.environment, input.search);
  const after = input.cursor ? readListCursor(tag, input.cursor, ['text', 'id']) : null;
  const sortName = `lower(${tenantFacingNameSql('a')})`;
  const from = (await listedByMany(em, input.tenantId))
    ? 'app a cross join app_tenant t'
    : 'app_tenant t cross join app a';
  const params: unknown[] = [input.tenantId, input.environment, input.tenantId];
  let where = `t.app_id = a.id and t.tenant_id = ? and ${visibleToListedTenantSql('a')}
    and (c.id is null or c.status = 'declined')`;
  if (input.search) {
    where += ` and ${NAME_MATCHES('a')}`;
    params.push(containsPattern(input.search));
  }
  if (after) {
    const [name, id] = after;
    where += ` and ${sortName} >= ? and (${sortName} > ? or a.id > ?)`;
    params.push(name, name, id);
  }
  params.push(input.limit + 1);
  const rows: AvailableRow[] = await em.getConnection().execute(
    `select a.id, a.name, a.home_page_url, a.listed_name, a.listed_home_page_url, a.latest_version,
       o.name as organization_name, c.status as connection_status, ${sortName} as sort_name
     from ${from}
     left join connection c on c.app_id = a.id and c.tenant_id = ? and c.environment = ?
     join organization o on o.id = a.organization_id
     where ${where}
     order by ${sortName}, a.id
     limit ?`,
    params,
  );
  const page = listPage(tag, rows, input.limit, (row) => [row.sort_name, row.id]);
  return {
    items: page.items.map((row) => {
      const listed = tenantFacingIdentity({
        name: row.name,
        homePageUrl: row.home_page_url,
        listedName: row.listed_name,
        listedHomePageUrl: row.listed_home_page_url,
      });
      return {
        appId: row.id,
        name: listed.name,
        organizationName: row.organization_name,
        homePageUrl: listed.homePageUrl,
        latestVersion: Number(row.latest_version),
        declined: row.connection_status === 'declined',
      };
    }),
    nextCursor: page.nextCursor,
  };
}
