import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { App, AuditEvent } from '../../db/entities';
import { createApp } from './apps';
import { listVersions, saveScopes } from './versions';

describe.each(dialects)('version service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('makes version 2 when saved scopes change, none when they do not', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Versioned by Service', { tenantIds: [] }));
    const scopes = ['tn.crm.customers:r', 'tn.crm.leads:r'];
    expect(await saveScopes(t.db.em(), dev, { appId: app.id, scopes })).toEqual({
      changed: true,
      version: 2,
      added: ['tn.crm.leads:r'],
      removed: [],
    });
    expect(await saveScopes(t.db.em(), dev, { appId: app.id, scopes })).toMatchObject({
      changed: false,
      version: 2,
    });
    expect((await t.db.em().findOneOrFail(App, { id: app.id })).latestVersion).toBe(2);
    const events = await t.db.em().find(AuditEvent, { appId: app.id, action: 'app.version_created' });
    expect(events.map((e) => e.after)).toEqual([expect.objectContaining({ version: 2 })]);
    const history = await listVersions(t.db.em(), dev, { appId: app.id, limit: 1 });
    expect(history.items.map((v) => [v.number, v.added])).toEqual([[2, ['tn.crm.leads:r']]]);
    const older = await listVersions(t.db.em(), dev, {
      appId: app.id,
      limit: 1,
      cursor: history.nextCursor!,
    });
    expect(older).toEqual({
      items: [expect.objectContaining({ number: 1, added: ['tn.crm.customers:r'] })],
      nextCursor: null,
    });
  });
});
