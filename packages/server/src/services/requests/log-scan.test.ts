import type { RequestLogFilters } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import type { LogLine } from '../../requests/line';
import { insertLines } from '../../requests/line-writes';
import { type FoundLine, type LinePosition, scanLines } from './log-scan';

const TENANTS = ['985798691', '100200300', '555000111'];
const ROUTES = ['GET /crm/v2/tenant/{tenant}/customers', 'GET /crm/v2/tenant/{tenant}/customers/{id}'];
const START = Date.parse('2026-11-20T10:00:00Z');

/** Lines of one app from three tenants, written in several batches whose times overlap, many in one millisecond. */
function trafficOf(appId: string): LogLine[][] {
  const batches: LogLine[][] = [];
  let n = 0;
  for (let b = 0; b < 6; b++) {
    const batch: LogLine[] = [];
    for (let i = 0; i < 40; i++) {
      n++;
      const status = n % 9 === 0 ? 401 : n % 13 === 0 ? 503 : 200;
      batch.push({
        // Batches overlap by half their span; every third line shares a millisecond with the one before.
        at: START + b * 20_000 + Math.floor(i / 3) * 1000 + (n % 2) * 70_000,
        requestId: `line-${n}`,
        kind: n % 7 === 0 ? 'token' : 'api',
        appId,
        tenantId: TENANTS[n % 3] as string,
        environment: n % 5 === 0 ? 'production' : 'integration',
        method: 'GET',
        route: ROUTES[n % 2] as string,
        status,
        errorCode: status === 401 ? 'invalid_token' : status === 503 ? 'temporarily_unavailable' : null,
        latencyMs: n,
        scope: null,
      });
    }
    batches.push(batch);
  }
  return batches;
}

describe.each(dialects)('reading the request log from its blocks (%s)', (dialect) => {
  let t: TestDatabase;
  const appId = crypto.randomUUID();
  let all: LogLine[] = [];
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    for (const batch of trafficOf(appId)) {
      await insertLines(t.db.em(), dialect, batch);
      all = all.concat(batch);
    }
    // Another app's lines at the same moments are never read.
    await insertLines(t.db.em(), dialect, trafficOf(crypto.randomUUID()).flat());
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every page of `limit` lines, followed to the end: the request ids in the order they came. */
  async function walk(filters: RequestLogFilters, limit: number, readAtMost?: number) {
    const seen: FoundLine[] = [];
    let after: LinePosition | null = null;
    let pages = 0;
    for (;;) {
      const { lines, resume } = await scanLines(t.db.em(), { appId, filters, after, limit, readAtMost });
      pages++;
      const page = lines.slice(0, limit);
      seen.push(...page);
      const last = page.at(-1);
      if (resume) after = resume;
      else if (lines.length > limit && last) after = { at: last.at, key: last.key };
      else return { seen, pages };
      if (pages > 500) throw new Error('the walk does not end');
    }
  }

  const expected = (keep: (line: LogLine) => boolean) =>
    all
      .filter(keep)
      .sort((a, b) => b.at - a.at)
      .map((l) => [l.at, l.requestId]);
  const got = (lines: FoundLine[]) => lines.map((l) => [l.at, l.requestId]);

  it('gives every line once, newest first across overlapping blocks, page after page', async () => {
    const { seen } = await walk({}, 7);
    expect(got(seen)).toEqual(expect.arrayContaining(expected(() => true)));
    expect(seen).toHaveLength(all.length);
    expect(new Set(seen.map((l) => l.key)).size).toBe(all.length);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1] as FoundLine, seen[i] as FoundLine];
      expect(a.at > b.at || (a.at === b.at && a.key > b.key)).toBe(true);
    }
    const one = seen.find((l) => l.requestId === 'line-9');
    expect(one).toMatchObject({
      tenantId: TENANTS[0],
      status: 401,
      errorCode: 'invalid_token',
      route: ROUTES[1],
      latencyMs: 9,
    });
    expect(seen.find((l) => l.requestId === 'line-10')).toMatchObject({ tenantId: TENANTS[1] });
  });

  it('keeps only the lines each filter names, in any combination', async () => {
    const cases: [RequestLogFilters, (l: LogLine) => boolean][] = [
      [{ statusClass: '4xx' }, (l) => l.status >= 400 && l.status < 500],
      [{ errorCode: 'temporarily_unavailable' }, (l) => l.errorCode === 'temporarily_unavailable'],
      [{ tenantId: TENANTS[1] }, (l) => l.tenantId === TENANTS[1]],
      // A tenant admin's view: one tenant in one environment, out of blocks that mix every tenant's lines.
      [
        { tenantId: TENANTS[2], environment: 'integration' },
        (l) => l.tenantId === TENANTS[2] && l.environment === 'integration',
      ],
      [{ tenantId: '98579869' }, () => false],
      [{ environment: 'production', kind: 'api' }, (l) => l.environment === 'production' && l.kind === 'api'],
      [{ endpoint: ROUTES[1] }, (l) => l.route === ROUTES[1]],
      [{ endpoint: 'token' }, (l) => l.kind === 'token'],
      [{ statusClass: '5xx', endpoint: ROUTES[0] }, (l) => l.status >= 500 && l.route === ROUTES[0]],
      [
        { from: new Date(START + 30_000), to: new Date(START + 90_000) },
        (l) => l.at >= START + 30_000 && l.at <= START + 90_000,
      ],
      [{ errorCode: 'no_such_code' }, () => false],
    ];
    for (const [filters, keep] of cases) {
      const { seen } = await walk(filters, 5);
      expect(got(seen).sort()).toEqual(expected(keep).sort());
      expect(seen.map((l) => l.at)).toEqual([...seen.map((l) => l.at)].sort((a, b) => b - a));
    }
  });

  it('read for one tenant, numbers that tenant’s lines in each block one after the other, telling nothing of the others', async () => {
    const { seen } = await walk({ tenantId: TENANTS[1] }, 6);
    expect(seen.length).toBeGreaterThan(10);
    const places = new Map<number, number[]>();
    for (const line of seen) {
      const block = Math.floor(line.key / 1024);
      places.set(block, [...(places.get(block) ?? []), line.key % 1024]);
    }
    for (const inBlock of places.values())
      expect(inBlock.sort((a, b) => a - b)).toEqual(inBlock.map((_, i) => i));
  });

  it('ends a page early when a filter keeps few lines of many, and the next pages go on from there', async () => {
    const keep = (l: LogLine) => l.status >= 500;
    const { seen, pages } = await walk({ statusClass: '5xx' }, 50, 30);
    expect(pages).toBeGreaterThan(1);
    expect(got(seen).sort()).toEqual(expected(keep).sort());
    expect(seen.map((l) => l.at)).toEqual([...seen.map((l) => l.at)].sort((a, b) => b - a));
  });
});
