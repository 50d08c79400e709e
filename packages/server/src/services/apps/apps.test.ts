import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { App, AuditEvent } from '../../db/entities';
import { createApp, deleteApp, updateAppDetails } from './apps';

const TENANT = '985798691';

describe.each(dialects)('app service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('creates an app on version 1 with one audit event naming it', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Service Created'));
    expect(app).toMatchObject({
      latestVersion: 1,
      scopes: ['tn.crm.customers:r'],
      tenantCount: 1,
      firstTenantId: TENANT,
    });
    expect(app.appKey).toMatch(/^ghak_/);
    const events = await t.db.em().find(AuditEvent, { appId: app.id });
    expect(events.map((e) => [e.action, e.organizationId])).toEqual([['app.created', dev.organizationId]]);
  });

  it('writes no event for an edit that changes nothing, one for a real edit', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Service Edited'));
    const same = { appId: app.id, ...newApp('Service Edited') };
    await updateAppDetails(t.db.em(), dev, same);
    const renamed = await updateAppDetails(t.db.em(), dev, { ...same, name: 'Service Renamed' });
    expect(renamed.name).toBe('Service Renamed');
    expect(await t.db.em().count(AuditEvent, { appId: app.id, action: 'app.details_changed' })).toBe(1);
  });

  it('answers another organization’s app like a missing one, and deletes only with the name typed', async () => {
    const [dev, other] = [await developerActor(t, DEV), await developerActor(t, DEV2)];
    const app = await createApp(t.db.em(), dev, newApp('Service Deleted'));
    const remove = (actor: typeof dev, confirmName: string) =>
      deleteApp(t.db.em(), actor, { appId: app.id, confirmName });
    await expect(remove(other, 'Service Deleted')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(remove(dev, 'Wrong')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await remove(dev, 'Service Deleted')).toEqual({ deleted: true });
    expect((await t.db.em().findOneOrFail(App, { id: app.id })).deletedAt).toBeInstanceOf(Date);
  });
});
