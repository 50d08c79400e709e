import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { createApp } from './apps';
import { listApps } from './list';

describe.each(dialects)('app list service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('lists only the organization’s apps, with their tenant counts', async () => {
    const [dev, other] = [await developerActor(t, DEV), await developerActor(t, DEV2)];
    await createApp(t.db.em(), dev, newApp('Listed Mine', { tenantIds: ['985798691', '100200300'] }));
    await createApp(t.db.em(), other, newApp('Listed Theirs', { tenantIds: [] }));
    const page = await listApps(t.db.em(), dev.organizationId, { limit: 10, search: 'Listed' });
    expect(page.items.map((a) => [a.name, a.tenantCount])).toEqual([['Listed Mine', 2]]);
    expect(page.nextCursor).toBeNull();
  });
});
