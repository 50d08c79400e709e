import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent } from '../../db/entities';
import { createApp } from './apps';
import { listedTenants } from './tenant-list';
import { addTenant, removeTenant } from './tenants';

describe.each(dialects)('tenant list service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('adds and removes Tenant IDs, one audit event each, and refuses a second listing', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Tenants by Service'));
    const input = { appId: app.id, tenantId: '100200300' };
    expect(await addTenant(t.db.em(), dev, input)).toEqual({
      tenantId: '100200300',
      listed: true,
      tenantCount: 2,
    });
    const page = await listedTenants(t.db.em(), dev, { appId: app.id, limit: 1 });
    expect(page.items.map((tenant) => tenant.tenantId)).toEqual(['100200300']);
    expect(page.items[0]?.addedAt).toBeInstanceOf(Date);
    const rest = await listedTenants(t.db.em(), dev, { appId: app.id, limit: 1, cursor: page.nextCursor! });
    expect(rest.items.map((tenant) => tenant.tenantId)).toEqual(['985798691']);
    expect(rest.nextCursor).toBeNull();
    await expect(addTenant(t.db.em(), dev, input)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      fieldErrors: { tenantId: 'Tenant ID 100200300 is already listed' },
    });
    expect(await removeTenant(t.db.em(), dev, input)).toEqual({
      tenantId: '100200300',
      listed: false,
      tenantCount: 1,
    });
    const actions = (await t.db.em().find(AuditEvent, { appId: app.id }, { orderBy: { at: 'asc' } })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(['app.created', 'app.tenant_added', 'app.tenant_removed']);
  });
});
