import { describe, expect, it } from 'vitest';
import { logLine } from '#test/log-line';
import { BLOCK_LINES, BLOCK_SPAN_MS, blocksOf, entriesOf, type StoredLine } from './blocks';
import { Rollup } from './rollups';

const line = logLine;

const TENANTS = ['985798691', '100200300'] as const;

describe('request log blocks', () => {
  it('puts each app, tenant and environment in blocks of its own, each in time order', () => {
    const lines = [
      line({ at: 3, requestId: 'a3' }),
      line({ at: 1, requestId: 'b1', tenantId: '100200300' }),
      line({ at: 2, requestId: 'a2' }),
      line({ at: 1, requestId: 'p1', environment: 'production' }),
      line({ at: 1, requestId: 'x1', appId: 'app-2' }),
      line({ at: 1, requestId: 'n1', tenantId: null, kind: 'token' }),
    ];
    const blocks = blocksOf(lines);
    const ids = (lines: string) => (JSON.parse(lines) as StoredLine[]).map((l) => l[1]);
    const seen = blocks.map((b) => [b.appId, b.tenantId, b.environment, ids(b.lines)]);
    expect(seen).toHaveLength(5);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['app-1', '985798691', 'integration', ['a2', 'a3']],
        ['app-1', '100200300', 'integration', ['b1']],
        ['app-1', '985798691', 'production', ['p1']],
        ['app-2', '985798691', 'integration', ['x1']],
        ['app-1', null, 'integration', ['n1']],
      ]),
    );
    expect(blocks.find((b) => b.count === 2)).toMatchObject({ firstAt: 2, lastAt: 3 });
  });

  it('cuts a group at BLOCK_LINES lines and where its lines span more than BLOCK_SPAN_MS', () => {
    const many = Array.from({ length: BLOCK_LINES + 5 }, (_, i) => line({ at: i }));
    expect(blocksOf(many).map((b) => b.count)).toEqual([BLOCK_LINES, 5]);
    const spread = [0, BLOCK_SPAN_MS, BLOCK_SPAN_MS + 1, 3 * BLOCK_SPAN_MS].map((at) => line({ at }));
    expect(blocksOf(spread).map((b) => [b.firstAt, b.lastAt])).toEqual([
      [0, BLOCK_SPAN_MS],
      [BLOCK_SPAN_MS + 1, BLOCK_SPAN_MS + 1],
      [3 * BLOCK_SPAN_MS, 3 * BLOCK_SPAN_MS],
    ]);
  });

  it('says which statuses, kinds, error codes and routes a block holds, and keeps each line whole', () => {
    const [block] = blocksOf([
      line({ at: 1, status: 200 }),
      line({ at: 2, status: 401, errorCode: 'invalid_token', route: 'GET /a/{id}' }),
      line({ at: 3, status: 429, errorCode: 'rate_limited', kind: 'token', route: 'POST /x\ny' }),
      line({ at: 4, status: 503, errorCode: 'invalid_token', latencyMs: 2.34567 }),
    ]);
    if (!block) throw new Error('no block');
    expect(block.statuses).toBe((1 << 2) | (1 << 4) | (1 << 5));
    expect(block.kinds).toBe(3);
    expect(block.errorCodes).toBe(',invalid_token,rate_limited,');
    const entries = entriesOf(block.routes);
    expect(entries).toEqual([
      { kind: 'api', method: 'GET', route: 'GET /crm/v2/tenant/{tenant}/customers' },
      { kind: 'api', method: 'GET', route: 'GET /a/{id}' },
      { kind: 'token', method: 'GET', route: 'POST /x y' },
    ]);
    const stored = JSON.parse(block.lines) as StoredLine[];
    expect(stored.map(([after, , entry, status, code, ms]) => [after, entry, status, code, ms])).toEqual([
      [0, 0, 200, null, 1250],
      [1, 1, 401, 'invalid_token', 1250],
      [2, 2, 429, 'rate_limited', 1250],
      [3, 0, 503, 'invalid_token', 2346],
    ]);
  });

  it('adds up to the same latency counts and scope uses as the lines one by one, across midnight', () => {
    const midnight = Date.parse('2026-12-03T00:00:00Z');
    const lines = Array.from({ length: 300 }, (_, i) =>
      line({
        at: midnight - 30_000 + i * 200,
        tenantId: i % 3 === 0 ? null : TENANTS[i % 2],
        route: i % 4 === 0 ? 'GET /a/{id}' : 'GET /b',
        latencyMs: (i % 17) * 3.7,
        scope: i % 5 === 0 ? null : 'tn.crm.customers:r',
      }),
    );
    const fromBlocks = new Rollup();
    for (const block of blocksOf(lines)) fromBlocks.addBlock(block);
    const fromLines = new Rollup().addLines(lines);
    expect(Object.fromEntries(fromBlocks.latency)).toEqual(Object.fromEntries(fromLines.latency));
    expect(Object.fromEntries(fromBlocks.scopes)).toEqual(Object.fromEntries(fromLines.scopes));
    expect(new Set([...fromLines.latency.keys()].map((key) => key.slice(0, 10))).size).toBe(2);
  });

  it('keeps a block readable whatever numbers a line carries', () => {
    const [block] = blocksOf([line({ at: 5, latencyMs: Number.NaN, status: Number.NaN })]);
    expect(JSON.parse(block?.lines ?? '')).toEqual([[0, expect.any(String), 0, 0, null, 0]]);
  });
});
