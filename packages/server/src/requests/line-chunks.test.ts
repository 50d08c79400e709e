import { describe, expect, it } from 'vitest';
import { logLine } from '#test/log-line';
import { blocksOf } from './blocks';
import { blocksOfChunks, LineChunks, linesInChunks, linesOfChunks } from './line-chunks';

describe('request log line chunks', () => {
  it('gives back every line as it was pushed, across chunks, whatever its texts hold', () => {
    const chunks = new LineChunks();
    const lines = Array.from({ length: 600 }, (_, i) =>
      logLine({
        at: 1_700_000_000_000 + i,
        requestId: i === 7 ? `ünïcode-${'x'.repeat(80)}` : `id-${i}`,
        appId: `app-${i % 3}`,
        tenantId: i % 5 === 0 ? null : `tenant-${i % 4}`,
        environment: i % 2 === 0 ? 'integration' : 'production',
        kind: i % 7 === 0 ? 'token' : 'api',
        status: i % 11 === 0 ? 429 : 200,
        errorCode: i % 11 === 0 ? 'rate_limited' : null,
        latencyMs: i / 3,
        scope: i % 6 === 0 ? null : 'tn.crm.customers:r',
      }),
    );
    for (const line of lines) chunks.add(line);
    expect(chunks.size).toBe(600);
    const taken = chunks.take();
    expect(taken.length).toBeGreaterThan(1);
    expect(linesInChunks(taken)).toBe(600);
    expect(chunks.size).toBe(0);
    expect(chunks.take()).toEqual([]);
    const back = [...linesOfChunks(taken)];
    // A request id keeps its first 64 characters, as a block keeps it.
    expect(back).toEqual(lines.map((line) => ({ ...line, requestId: line.requestId.slice(0, 64) })));
  });

  it('builds the same blocks as the lines themselves, after the blocks a write left for later', () => {
    const chunks = new LineChunks();
    const lines = Array.from({ length: 40 }, (_, i) =>
      logLine({ at: 1_700_000_000_000 + i * 10, requestId: `r${i}` }),
    );
    for (const line of lines) chunks.add(line);
    const earlier = blocksOf([logLine({ requestId: 'earlier', appId: 'app-9' })]);
    const blocks = blocksOfChunks(earlier, chunks.take());
    expect(blocks).toEqual([...earlier, ...blocksOf(lines)]);
  });

  it('gives a line without a usable time the time it was pushed', () => {
    const chunks = new LineChunks();
    const before = Date.now();
    chunks.add(logLine({ at: Number.NaN }));
    const [back] = [...linesOfChunks(chunks.take())];
    expect(back?.at).toBeGreaterThanOrEqual(before);
    expect(back?.at).toBeLessThanOrEqual(Date.now());
  });
});
