import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { UsageDaily } from '../../db/entities';
import { createApp } from './apps';
import { usageReport } from './usage';

describe.each(dialects)('usage report service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('reports the app’s counted calls within the window, oldest day first', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Counted by Service', { tenantIds: [] }));
    const em = t.db.em();
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    for (const [daysAgo, calls] of [
      [0, 5],
      [1, 3],
      [40, 9],
    ] as const) {
      em.create(UsageDaily, {
        id: crypto.randomUUID(),
        day: day(daysAgo),
        appId: app.id,
        tenantId: '985798691',
        environment: 'integration',
        endpoint: 'GET /crm/v2/tenant/{tenant}/customers',
        outcome: '2xx',
        calls,
      });
    }
    await em.flush();
    const report = await usageReport(t.db.em(), dev.organizationId, { appId: app.id, days: 30 });
    expect(report).toMatchObject({ from: day(29), to: day(0), truncated: false });
    expect(report.rows.map((r) => [r.day, r.calls])).toEqual([
      [day(1), 3],
      [day(0), 5],
    ]);
    const other = await developerActor(t, DEV2);
    await expect(
      usageReport(t.db.em(), other.organizationId, { appId: app.id, days: 30 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
