import type { EntityManager } from '@mikro-orm/knex';

/** A tenant View Connections shows: `listed` while the app offers it, false once only a connection remains. */
export interface ConnectionTenant {
  tenantId: string;
  listed: boolean;
}

/**
 * The first Tenant ID past the ones starting with `prefix`, or null when none
 * is: Tenant IDs are digits, so `98` runs up to `99` and `99` to the end. A
 * range rather than LIKE, so that the index serves it on both databases
 * whatever their collation.
 */
export function prefixEnd(prefix: string): string | null {
  const kept = prefix.replace(/9+$/, '');
  if (!kept) return null;
  return kept.slice(0, -1) + String(Number(kept.slice(-1)) + 1);
}

/**
 * Up to `limit + 1` tenants of the app in Tenant ID order after `after`: those
 * it lists and those holding one of its connections, each side read in order
 * from its unique index (app, tenant) and cut at the page before they meet.
 */
export async function connectionTenantsPage(
  em: EntityManager,
  appId: string,
  input: { after?: string | undefined; search?: string | undefined; limit: number },
): Promise<ConnectionTenant[]> {
  const conditions: string[] = [];
  const params: string[] = [];
  if (input.after !== undefined) {
    conditions.push('tenant_id > ?');
    params.push(input.after);
  }
  if (input.search) {
    conditions.push('tenant_id >= ?');
    params.push(input.search);
    const end = prefixEnd(input.search);
    if (end !== null) {
      conditions.push('tenant_id < ?');
      params.push(end);
    }
  }
  const where = ['app_id = ?', ...conditions].join(' and ');
  const take = input.limit + 1;
  const rows: { tenant_id: string; listed: number | string }[] = await em.getConnection().execute(
    `select tenant_id, max(listed) as listed from (
       select * from (select tenant_id, 1 as listed from app_tenant where ${where} order by tenant_id limit ?) as l
       union all
       select * from (select distinct tenant_id, 0 as listed from connection where ${where} order by tenant_id limit ?) as c
     ) as t group by tenant_id order by tenant_id limit ?`,
    [appId, ...params, take, appId, ...params, take, take],
    'all',
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, listed: Number(row.listed) === 1 }));
}
