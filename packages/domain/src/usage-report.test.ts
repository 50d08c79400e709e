import { describe, expect, it } from 'vitest';
import { usageReportRows, usageReportWindow } from './usage-report';

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

  it('keeps every row under the cap, oldest first', () => {
    const rows = [{ day: '2026-12-02' }, { day: '2026-12-01' }];
    expect(usageReportRows(rows, 3)).toEqual({ rows: [...rows].reverse(), truncated: false });
  });

  it('drops the day the cap cut into, unless it is the only day', () => {
    const newestFirst = ['03', '02', '02', '01', '01'].map((d) => ({ day: `2026-12-${d}` }));
    expect(usageReportRows(newestFirst, 4)).toEqual({
      rows: [{ day: '2026-12-02' }, { day: '2026-12-02' }, { day: '2026-12-03' }],
      truncated: true,
    });
    const oneDay = Array.from({ length: 4 }, () => ({ day: '2026-12-03' }));
    expect(usageReportRows(oneDay, 3)).toEqual({ rows: oneDay.slice(0, 3), truncated: true });
  });
});
