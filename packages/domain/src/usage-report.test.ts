import { describe, expect, it } from 'vitest';
import {
  callsIn,
  compareUsageLines,
  everyDay,
  keptByFilter,
  noCalls,
  sumCalls,
  type UsageFilter,
  usageReportWindow,
} from './usage-report';

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
    const line = (tenantId: string, environment: string, endpoint: string) => ({
      tenantId,
      environment,
      endpoint,
    });
    const all = [
      line('985798691', 'production', 'GET /b'),
      line('100200300', 'integration', 'GET /a'),
      line('', 'integration', 'unauthenticated'),
      line('985798691', 'integration', 'GET /a'),
      line('98579', 'production', 'GET /a'),
    ];
    const kept = (filter: UsageFilter) => all.filter((l) => keptByFilter(l, filter));

    it('are in Tenant ID, environment and endpoint order, the calls that proved no tenant first', () => {
      expect([...all].sort(compareUsageLines)).toEqual([all[2], all[1], all[4], all[3], all[0]]);
    });

    it('are kept by the start of their Tenant ID, their environment and their endpoint', () => {
      expect(kept({})).toEqual(all);
      expect(kept({ tenantIdPrefix: '98579' })).toEqual([all[0], all[3], all[4]]);
      expect(kept({ tenantIdPrefix: '985798691', environment: 'production' })).toEqual([all[0]]);
      expect(kept({ tenantIdPrefix: '', endpoint: 'GET /a' })).toEqual([all[1], all[3], all[4]]);
      expect(kept({ endpoint: 'GET /c' })).toEqual([]);
    });

    it('of the calls that proved no tenant are kept alone when asked, never by a Tenant ID', () => {
      expect(kept({ unauthenticated: true })).toEqual([all[2]]);
      expect(kept({ unauthenticated: true, environment: 'production' })).toEqual([]);
      expect(kept({ tenantIdPrefix: '1' })).toEqual([all[1]]);
    });
  });
});
