import { describe, expect, it } from 'vitest';
import { isUuid } from '../db/ids';
import { firstIdAt, timeOrderedId } from './line';

describe('time-ordered line ids', () => {
  it('sort as their moments do, so the primary key finds the lines older than a moment', () => {
    const moment = Date.UTC(2026, 10, 2, 12, 0, 0, 123);
    const bound = firstIdAt(moment);
    expect(isUuid(bound)).toBe(true);
    for (let i = 0; i < 200; i++) {
      const before = timeOrderedId(moment - 1 - i * 997);
      const at = timeOrderedId(moment);
      const after = timeOrderedId(moment + 1 + i * 997);
      expect(isUuid(before) && isUuid(at) && isUuid(after)).toBe(true);
      expect(before < bound).toBe(true);
      expect(at >= bound).toBe(true);
      expect(after > at).toBe(true);
    }
  });
});
