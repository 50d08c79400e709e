import { describe, expect, it } from 'vitest';
import { callsIn, everyDay, noCalls, sumCalls, usageLines, usageReportWindow } from './usage-report';

describe('usage report', () => {
  it('covers the last `days` days, today included', () => {
    expect(usageReportWindow(30, new Date('2026-12-01T08:00:00Z'))).toEqual({
      from: '2026-11-02',
      to: '2026-12-01',
    });
    expect(usageReportWindow(1, new Date('2026-12-01T23:59:00Z'))).toEqual({
      from: '2026-12-01',
      to: '2026-12-01',
    });
  });

  it('adds calls up by outcome', () => {
    const total = sumCalls([
      { calls: { '2xx': 3, '4xx': 1, '429': 0, '5xx': 0 } },
      { calls: { '2xx': 2, '4xx': 0, '429': 4, '5xx': 1 } },
    ]);
    expect(total).toEqual({ '2xx': 5, '4xx': 1, '429': 4, '5xx': 1 });
    expect(callsIn(total)).toBe(11);
    expect(sumCalls([])).toEqual(noCalls());
  });

  it('draws every day of the period, quiet ones with no calls', () => {
    const busy = { '2xx': 7, '4xx': 0, '429': 0, '5xx': 2 };
    const days = everyDay({ from: '2026-11-29', to: '2026-12-02' }, [{ day: '2026-12-01', calls: busy }]);
    expect(days).toEqual([
      { day: '2026-11-29', calls: noCalls() },
      { day: '2026-11-30', calls: noCalls() },
      { day: '2026-12-01', calls: busy },
      { day: '2026-12-02', calls: noCalls() },
    ]);
  });

  describe('lines', () => {
    const line = (tenantId: string, environment: string, endpoint: string, calls: number) => ({
      tenantId,
      environment,
      endpoint,
      calls: { ...noCalls(), '2xx': calls },
    });
    const all = [
      line('985798691', 'production', 'GET /b', 5),
      line('100200300', 'integration', 'GET /a', 9),
      line('', 'integration', 'unauthenticated', 5),
      line('985798691', 'integration', 'GET /a', 5),
    ];

    it('lists the busiest first, ties in Tenant ID, environment and endpoint order', () => {
      expect(usageLines(all, {}).lines.map((l) => [l.tenantId, l.environment])).toEqual([
        ['100200300', 'integration'],
        ['', 'integration'],
        ['985798691', 'integration'],
        ['985798691', 'production'],
      ]);
    });

    it('keeps the lines the filter keeps, and every choice whatever the filter', () => {
      const report = usageLines(all, { tenantId: '985798691', environment: 'production' });
      expect(report.lines).toEqual([all[0]]);
      expect(report.tenants).toEqual(['', '100200300', '985798691']);
      expect(report.endpoints).toEqual(['GET /a', 'GET /b', 'unauthenticated']);
      expect(usageLines(all, { tenantId: '' }).lines).toEqual([all[2]]);
      expect(usageLines(all, { endpoint: 'GET /c' }).lines).toEqual([]);
    });

    it('says when it holds only the busiest lines and the first Tenant IDs', () => {
      const capped = usageLines(all, {}, { maxLines: 2, maxTenants: 2 });
      expect(capped).toMatchObject({ moreLines: true, tenants: ['', '100200300'], moreTenants: true });
      expect(capped.lines).toHaveLength(2);
      expect(usageLines(all, {}, { maxLines: 4, maxTenants: 3 })).toMatchObject({
        moreLines: false,
        moreTenants: false,
      });
    });
  });
});
