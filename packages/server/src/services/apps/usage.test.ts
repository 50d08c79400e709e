import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developerActor, newApp } from '#test/actors';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { addCalls } from '../../usage/writes';
import { createApp } from './apps';
import { usageReport } from './usage';

const CUSTOMERS = 'GET /crm/v2/tenant/{tenant}/customers';
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe.each(dialects)('usage report service on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => t?.close());

  it('adds up the app’s calls within the window by day and by line', async () => {
    const dev = await developerActor(t, DEV);
    const app = await createApp(t.db.em(), dev, newApp('Counted by Service', { tenantIds: [] }));
    await t.db.em().transactional((em) =>
      addCalls(
        em,
        (
          [
            [0, '2xx', 5],
            [0, '429', 2],
            [1, '2xx', 3],
            [40, '2xx', 9],
          ] as const
        ).map(([daysAgo, outcome, calls]) => ({
          id: crypto.randomUUID(),
          day: day(daysAgo),
          appId: app.id,
          tenantId: '985798691',
          environment: 'integration' as const,
          endpoint: CUSTOMERS,
          outcome,
          calls,
        })),
      ),
    );
    const report = await usageReport(t.db.em(), dev.organizationId, { appId: app.id, days: 30, limit: 50 });
    expect(report).toEqual({
      from: day(29),
      to: day(0),
      days: [
        { day: day(1), calls: { '2xx': 3, '4xx': 0, '429': 0, '5xx': 0 } },
        { day: day(0), calls: { '2xx': 5, '4xx': 0, '429': 2, '5xx': 0 } },
      ],
      lines: [
        {
          tenantId: '985798691',
          environment: 'integration',
          endpoint: CUSTOMERS,
          calls: { '2xx': 8, '4xx': 0, '429': 2, '5xx': 0 },
        },
      ],
      nextCursor: null,
      endpoints: [CUSTOMERS],
    });
    const other = await developerActor(t, DEV2);
    await expect(
      usageReport(t.db.em(), other.organizationId, { appId: app.id, days: 30, limit: 50 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
