import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay';

describe('ReplayCache', () => {
  it('refuses an assertion until it expires, and makes room from the ended ones before the live ones', () => {
    const cache = new ReplayCache(2);
    expect(cache.firstUse('a', 1000, 0)).toBe(true);
    expect(cache.firstUse('b', 2000, 0)).toBe(true);
    expect(cache.firstUse('a', 1000, 999)).toBe(false);
    // `a` ended: it makes the room for `c`, and `b`, still live, is still refused.
    expect(cache.firstUse('c', 2500, 1500)).toBe(true);
    expect(cache.firstUse('b', 2000, 1600)).toBe(false);
    expect(cache.firstUse('c', 2500, 1600)).toBe(false);
    // Full of live ones, the oldest goes first.
    expect(cache.firstUse('d', 2600, 1700)).toBe(true);
    expect(cache.firstUse('c', 2500, 1800)).toBe(false);
    expect(cache.firstUse('d', 2600, 1800)).toBe(false);
    expect(cache.firstUse('b', 2000, 1800)).toBe(true);
  });
});
