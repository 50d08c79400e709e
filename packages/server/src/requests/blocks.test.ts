import { describe, expect, it } from 'vitest';
import { logLine } from '#test/log-line';
import { BLOCK_LINES, BLOCK_SPAN_MS, blocksOf, entriesOf, type StoredLine } from './blocks';
import { Rollup } from './rollups';

const line = logLine;

const TENANTS = ['985798691', '100200300'] as const;

describe('request log blocks', () => {
  it('puts each app and environment in blocks of its own, each in time order, every line naming its tenant', () => {
    const lines = [
      line({ at: 3, requestId: 'a3' }),
      line({ at: 1, requestId: 'b1', tenantId: '100200300' }),
      line({ at: 2, requestId: 'a2' }),
      line({ at: 1, requestId: 'p1', environment: 'production' }),
      line({ at: 1, requestId: 'x1', appId: 'app-2' }),
      line({ at: 4, requestId: 'n1', tenantId: null, kind: 'token' }),
    ];
    const blocks = blocksOf(lines);
    const linesIn = (block: (typeof blocks)[number]) => {
      return (JSON.parse(block.lines) as StoredLine[]).map((l) => [l[1], block.tenantIds[l[6] ?? 0] ?? null]);
    };
    const seen = blocks.map((b) => [b.appId, b.environment, b.tenantIds, linesIn(b)]);
    expect(seen).toHaveLength(3);
    expect(seen).toEqual(
      expect.arrayContaining([
        [
          'app-1',
          'integration',
          ['100200300', '985798691'],
          [
            ['b1', '100200300'],
            ['a2', '985798691'],
            ['a3', '985798691'],
            ['n1', null],
          ],
        ],
        ['app-1', 'production', ['985798691'], [['p1', '985798691']]],
        ['app-2', 'integration', ['985798691'], [['x1', '985798691']]],
      ]),
    );
    expect(blocks.find((b) => b.count === 4)).toMatchObject({ firstAt: 1, lastAt: 4 });
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

  it('counts calls per day, tenant (and all tenants), endpoint and latency bucket, and each scope’s last use, across midnight', () => {
    const midnight = Date.parse('2026-12-03T00:00:00Z');
    const scope = 'tn.crm.customers:r';
    const rollup = new Rollup();
    for (const block of blocksOf([
      line({ at: midnight - 1000, route: 'GET /b', latencyMs: 1.5, scope }),
      line({ at: midnight - 500, route: 'GET /b', latencyMs: 1.8, scope }),
      line({ at: midnight + 100, route: 'GET /a/{id}', latencyMs: 40, scope }),
      line({ at: midnight + 200, tenantId: null, route: 'GET /b', latencyMs: 0.5, scope }),
      line({ at: midnight + 300, tenantId: TENANTS[1], route: 'GET /b', latencyMs: 0.7, scope: 'other' }),
    ]))
      rollup.addBlock(block);
    const key = (day: string, tenant: string, route: string, bucket: number) =>
      `${day}\napp-1\n${tenant}\nintegration\n${route}\n${bucket}`;
    expect(Object.fromEntries(rollup.latency)).toEqual({
      [key('2026-12-02', TENANTS[0], 'GET /b', 1)]: 2,
      [key('2026-12-02', '*', 'GET /b', 1)]: 2,
      [key('2026-12-03', TENANTS[0], 'GET /a/{id}', 9)]: 1,
      [key('2026-12-03', '*', 'GET /a/{id}', 9)]: 1,
      [key('2026-12-03', TENANTS[1], 'GET /b', 0)]: 1,
      [key('2026-12-03', '*', 'GET /b', 0)]: 2,
    });
    // A line that proved no tenant names no scope use.
    expect(Object.fromEntries(rollup.scopes)).toEqual({
      [`app-1\n${TENANTS[0]}\nintegration\n${scope}`]: midnight + 100,
      [`app-1\n*\n*\n${scope}`]: midnight + 100,
      [`app-1\n${TENANTS[1]}\nintegration\nother`]: midnight + 300,
      'app-1\n*\n*\nother': midnight + 300,
    });
  });

  it('keeps every line of a full block, whatever characters its request id holds', () => {
    const ids = Array.from({ length: BLOCK_LINES }, (_, i) => `${i}-é☃😀"\\`.repeat(1 + (i % 3)));
    const [block] = blocksOf(ids.map((requestId, at) => line({ at, requestId })));
    expect((JSON.parse(block?.lines ?? '') as StoredLine[]).map((l) => l[1])).toEqual(ids);
  });

  it('keeps a block readable whatever numbers a line carries', () => {
    const [block] = blocksOf([line({ at: 5, latencyMs: Number.NaN, status: Number.NaN })]);
    expect(JSON.parse(block?.lines ?? '')).toEqual([[0, expect.any(String), 0, 0, null, 0, 0]]);
  });
});
