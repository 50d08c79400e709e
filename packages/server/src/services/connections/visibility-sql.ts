/**
 * The domain's rules about what a tenant sees of an app, written as SQL so that
 * a list filters and sorts in the database instead of over every listing. Each
 * mirrors one rule of `@gatehouse/domain` exactly; lists.test.ts checks that the
 * SQL and the rule agree on every combination the rule looks at.
 */

/**
 * `tenantFacingIdentity(app).name` of the app under `alias`: the listed name
 * once the app has a listed identity, its own name before. The expression index
 * `app_tenant_facing_name_index` is on exactly `lower(<this>)`, with bare column
 * names: keep the two alike, or SQLite stops using the index.
 */
export function tenantFacingNameSql(alias: string): string {
  return `case when ${alias}.listed_name is not null and ${alias}.listed_home_page_url is not null then ${alias}.listed_name else ${alias}.name end`;
}

/**
 * `isVisibleToTenant(app, true)` of the app under `alias`: live, and private or
 * approved once. Whether the app lists the tenant is the query's join on app_tenant.
 */
export function visibleToListedTenantSql(alias: string): string {
  return `${alias}.deleted_at is null and (${alias}.kind = 'private' or ${alias}.first_approved_at is not null)`;
}

/** `search` as a LIKE pattern matching it anywhere, its own `%`, `_` and `\` taken literally (`escape '\'`). */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
