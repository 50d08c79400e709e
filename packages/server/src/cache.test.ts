import { describe, expect, it } from 'vitest';
import { lruCache, ReadThroughCache } from './cache';

/** A load that finishes when told to, counting how often it ran. */
function gatedLoad<V>(value: V) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const load = {
    runs: 0,
    release,
    fn: async () => {
      load.runs++;
      await gate;
      return value;
    },
  };
  return load;
}

describe('the read-through cache', () => {
  it('shares one load between concurrent misses and counts hits and misses', async () => {
    const cache = new ReadThroughCache<string, number>(60_000, 10);
    const load = gatedLoad(1);
    const both = Promise.all([cache.get('a', load.fn), cache.get('a', load.fn)]);
    load.release();
    expect(await both).toEqual([1, 1]);
    expect(await cache.get('a', load.fn)).toBe(1);
    expect(load.runs).toBe(1);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('does not keep a load whose key was dropped while it ran, and keeps the others', async () => {
    const cache = new ReadThroughCache<string, string>(60_000, 10);
    const stale = gatedLoad('before the change');
    const other = gatedLoad('other');
    const waiting = cache.get('a', stale.fn);
    const otherWaiting = cache.get('b', other.fn);
    cache.delete('a');
    stale.release();
    other.release();
    // Whoever waited gets the answer they asked for; the cache does not keep it.
    expect(await waiting).toBe('before the change');
    expect(await otherWaiting).toBe('other');
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBe('other');
  });

  it('drops the entries whose value matches, and forgets a failed load', async () => {
    const cache = new ReadThroughCache<string, { app: string } | null>(60_000, 10);
    await cache.get('k1', async () => ({ app: 'x' }));
    await cache.get('k2', async () => ({ app: 'y' }));
    await cache.get('k3', async () => null);
    cache.deleteWhere((value) => value?.app === 'x');
    expect(cache.peek('k1')).toBeUndefined();
    expect(cache.peek('k2')).toEqual({ app: 'y' });
    expect(cache.peek('k3')).toBeNull();
    await expect(cache.get('k4', () => Promise.reject(new Error('away')))).rejects.toThrow('away');
    expect(await cache.get('k4', async () => ({ app: 'z' }))).toEqual({ app: 'z' });
  });

  it('holds at most its number of entries, dropping the least recently used first', async () => {
    const cache = new ReadThroughCache<string, string>(60_000, 2);
    await cache.get('a', async () => 'A');
    await cache.get('b', async () => 'B');
    expect(cache.peek('a')).toBe('A');
    await cache.get('c', async () => 'C');
    expect(cache.peek('b')).toBeUndefined();
    expect([cache.peek('a'), cache.peek('c')]).toEqual(['A', 'C']);
    let reloads = 0;
    expect(await cache.get('b', async () => `B${++reloads}`)).toBe('B1');
  });
});

/** Bytes the heap and its buffers hold now (ArrayBuffers, such as a typed array's, are outside the heap). */
const heldBytes = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

describe('caches of many entries', () => {
  // Made ahead, storage for a million entries would be 28 to 44 MB a cache.
  it.each([
    ['a read-through cache', () => new ReadThroughCache<string, number>(60_000, 1_000_000)],
    ['an LRU cache', () => lruCache<string, number>(1_000_000)],
  ])('%s of a million entries takes memory as it fills, not when it is made', (_, make) => {
    const before = heldBytes();
    const cache = make();
    expect(heldBytes() - before).toBeLessThan(4 * 1024 * 1024);
    expect(cache).toBeDefined();
  });

  it('an LRU cache holds at most its number of entries, dropping the least recently used first', () => {
    const cache = lruCache<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i);
    cache.get('a');
    cache.set('d', 3);
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect(cache.size).toBe(3);
  });
});
