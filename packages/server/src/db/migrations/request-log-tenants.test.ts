import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, runMigration, type TestDatabase } from '#test/harness';
import { logLine } from '#test/log-line';
import { insertLines } from '../../requests/line-writes';
import { scanLines } from '../../services/requests/log-scan';
import { Migration20261210000000_request_log_tenants as PostgresMigration } from './postgresql/m20261210000000-request-log-tenants';
import { Migration20261210000000_request_log_tenants as SqliteMigration } from './sqlite/m20261210000000-request-log-tenants';

const TENANT = '985798691';
const AT = Date.parse('2026-12-01T10:00:00Z');

describe.each(dialects)('the request-log-tenants migration on %s', (dialect) => {
  let t: TestDatabase;
  const appId = crypto.randomUUID();
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  const run = (direction: 'up' | 'down') =>
    runMigration(t, { sqlite: SqliteMigration, postgresql: PostgresMigration }, direction);

  it('keeps the lines of a block written with a tenant of its own under that tenant, and back, where the lines allow', async () => {
    await run('down');
    const knex = t.db.em().getKnex();
    const moment = dialect === 'sqlite' ? AT : new Date(AT);
    const block = (tenantId: string | null, requestId: string) => ({
      app_id: appId,
      tenant_id: tenantId,
      environment: 'integration',
      first_at: moment,
      last_at: moment,
      statuses: 1 << 2,
      kinds: 1,
      error_codes: '',
      routes: '\napi\tGET\tGET /crm/v2/tenant/{tenant}/customers\n',
      lines: JSON.stringify([[0, requestId, 0, 200, null, 1500]]),
    });
    await knex('request_log_block').insert([block(TENANT, 'with-tenant'), block(null, 'no-tenant')]);
    await run('up');

    const read = async (tenantId?: string) => {
      const { lines } = await scanLines(t.db.em(), {
        appId,
        filters: tenantId === undefined ? {} : { tenantId },
        after: null,
        limit: 10,
      });
      return lines.map((l) => [l.requestId, l.tenantId, l.latencyMs]);
    };
    expect((await read()).sort()).toEqual([
      ['no-tenant', null, 1.5],
      ['with-tenant', TENANT, 1.5],
    ]);
    expect(await read(TENANT)).toEqual([['with-tenant', TENANT, 1.5]]);

    // Written since: one tenant's line and a line of none share a block, which keeps no tenant going back.
    await insertLines(t.db.em(), dialect, [
      logLine({ appId, at: AT + 1000, requestId: 'new-tenant', tenantId: TENANT }),
      logLine({ appId, at: AT + 1001, requestId: 'new-none', tenantId: null }),
    ]);
    await run('down');
    const rows: { tenant_id: string | null; lines: string }[] = await knex('request_log_block')
      .select('tenant_id', 'lines')
      .where('app_id', appId)
      .orderBy('id');
    expect(rows.map((r) => [r.tenant_id, JSON.parse(r.lines)[0][1]])).toEqual([
      [TENANT, 'with-tenant'],
      [null, 'no-tenant'],
      [null, 'new-tenant'],
    ]);
    await run('up');
  });
});
