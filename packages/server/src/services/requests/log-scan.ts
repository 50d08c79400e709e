import type { Environment, RequestLogFilters } from '@gatehouse/domain';
import type { EntityManager } from '@mikro-orm/knex';
import {
  BLOCK_SPAN_MS,
  entriesOf,
  KIND_BITS,
  LINE_KEY_BASE,
  type StoredLine,
  statusBit,
  tenantsOf,
} from '../../requests/blocks';
import type { LogLine } from '../../requests/line';
import { dialectOf } from '../audit/lead';

/**
 * A line read back from its block, with its place in the log (`key`: unique among the lines a read's filters
 * keep, see LINE_KEY_BASE; read for one tenant, it counts that tenant's lines only).
 */
export type FoundLine = Omit<LogLine, 'appId' | 'scope'> & { key: number };

/** Where a page starts: the lines before this one, newest first (`key` breaks ties of a millisecond). */
export interface LinePosition {
  at: number;
  key: number;
}

/** What one app's lines are read for: its id and the filters, the tenant and environment included. */
export interface LineScan {
  appId: string;
  filters: RequestLogFilters;
  after: LinePosition | null;
  limit: number;
  /** Lines read at most before answering (LINES_PER_READ unless a test says less). */
  readAtMost?: number;
}

/**
 * Lines one page reads at most from the blocks before it answers: a filter that keeps few lines of a busy
 * app ends the page early, with a position to go on from, rather than reading a month of blocks at once.
 */
export const LINES_PER_READ = 50_000;
const FIRST_CHUNK = 4;
/** Queries one page makes at most, however few lines each block holds. */
const QUERIES_PER_READ = 40;
/** The latest moment a Date holds. */
const LATEST_MS = 8.64e15;
const LAST_CHUNK = 64;

interface BlockRow {
  id: number | string;
  tenants: string;
  environment: Environment;
  /** Epoch ms; a bigint comes back from PostgreSQL as text. */
  first_ms: number | string;
  last_ms: number | string;
  routes: string;
  lines: string;
}

const likeText = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first: the later line, or of one millisecond the later written. */
const newestFirst = (a: LinePosition, b: LinePosition): number => b.at - a.at || b.key - a.key;

const before = (line: LinePosition, position: LinePosition): boolean =>
  line.at < position.at || (line.at === position.at && line.key < position.key);

/**
 * Whether a line passes the filters a block cannot answer for all its lines (its environment the query
 * answered; its tenant, linesOf).
 */
function keeps(line: FoundLine, filters: RequestLogFilters, from: number, to: number): boolean {
  const { statusClass, errorCode, kind, endpoint } = filters;
  if (line.at < from || line.at > to) return false;
  if (statusClass && Math.floor(line.status / 100) !== Number(statusClass[0])) return false;
  if (errorCode !== undefined && line.errorCode !== errorCode) return false;
  if (kind !== undefined && line.kind !== kind) return false;
  if (endpoint === 'token') return line.kind === 'token';
  return !endpoint || line.route === endpoint;
}

function linesOf(row: BlockRow, tenantId: string | undefined): { lines: FoundLine[]; stored: number } {
  const entries = entriesOf(row.routes);
  const tenants = tenantsOf(row.tenants);
  const base = Number(row.id) * LINE_KEY_BASE;
  const firstAt = Number(row.first_ms);
  let stored: StoredLine[];
  try {
    stored = JSON.parse(row.lines) as StoredLine[];
  } catch {
    // A block that cannot be read costs its own lines, not every page that passes it.
    return { lines: [], stored: 0 };
  }
  const lines: FoundLine[] = [];
  for (const [
    index,
    [after, requestId, entry, status, errorCode, latencyMicros, tenant = 0],
  ] of stored.entries()) {
    const lineTenant = tenants[tenant] ?? null;
    if (tenantId !== undefined && lineTenant !== tenantId) continue;
    const { kind, method, route } = entries[entry] ?? { kind: 'api', method: '', route: '' };
    lines.push({
      // Read for one tenant, a line's place counts that tenant's lines only: the numbers must not tell
      // how many calls other tenants made in between.
      key: base + (tenantId === undefined ? index : lines.length),
      at: firstAt + after,
      requestId,
      kind,
      tenantId: lineTenant,
      environment: row.environment,
      method,
      route,
      status,
      errorCode,
      latencyMs: latencyMicros / 1000,
    });
  }
  return { lines, stored: stored.length };
}

/**
 * The blocks that may hold a line the scan wants, latest last line first, after the block `after` of
 * that order: a line at moment t lies in a block whose last line is between t and t + BLOCK_SPAN_MS.
 */
function blocksQuery(
  em: EntityManager,
  scan: LineScan,
  until: number,
  after: { lastAt: number; id: number } | null,
  chunk: number,
) {
  const sqlite = dialectOf(em) === 'sqlite';
  const moment = (ms: number) => (sqlite ? ms : new Date(ms));
  const { tenantId, environment, kind, endpoint, errorCode, statusClass, from } = scan.filters;
  const knex = em.getKnex();
  const query = knex('request_log_block')
    .select(
      'id',
      'tenants',
      'environment',
      // Named apart from the columns: PostgreSQL would otherwise sort by these and not along the index.
      knex.raw(sqlite ? 'first_at as first_ms' : '(extract(epoch from first_at) * 1000)::bigint as first_ms'),
      knex.raw(sqlite ? 'last_at as last_ms' : '(extract(epoch from last_at) * 1000)::bigint as last_ms'),
      'routes',
      'lines',
    )
    .where('app_id', scan.appId);
  if (tenantId !== undefined) query.whereRaw("tenants like ? escape '\\'", [`%,${likeText(tenantId)},%`]);
  if (environment !== undefined) query.where('environment', environment);
  const kindWanted = endpoint === 'token' ? 'token' : kind;
  if (kindWanted !== undefined) query.whereRaw('(kinds & ?) <> 0', [KIND_BITS[kindWanted]]);
  if (statusClass) query.whereRaw('(statuses & ?) <> 0', [statusBit(Number(statusClass[0]) * 100)]);
  if (errorCode !== undefined)
    query.whereRaw("error_codes like ? escape '\\'", [`%,${likeText(errorCode)},%`]);
  if (endpoint && endpoint !== 'token')
    query.whereRaw("routes like ? escape '\\'", [`%\t${likeText(endpoint)}\n%`]);
  if (from) query.where('last_at', '>=', moment(from.getTime()));
  if (Number.isFinite(until))
    query
      .where('first_at', '<=', moment(until))
      .where('last_at', '<=', moment(Math.min(until + BLOCK_SPAN_MS, LATEST_MS)));
  if (after)
    query.where((q) =>
      q
        .where('last_at', '<', moment(after.lastAt))
        .orWhere((same) => same.where('last_at', moment(after.lastAt)).where('id', '<', after.id)),
    );
  return query
    .orderBy([
      { column: 'last_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(chunk);
}

/**
 * A page of an app's lines, newest first, merged from the blocks that hold them: a line is given once every
 * block that could hold a later one was read. Answers up to `limit + 1` lines (one more says a page follows),
 * or fewer with `resume` when it read LINES_PER_READ lines or made QUERIES_PER_READ queries first: the next
 * page starts there.
 */
export async function scanLines(
  em: EntityManager,
  scan: LineScan,
): Promise<{ lines: FoundLine[]; resume: LinePosition | null }> {
  const from = scan.filters.from?.getTime() ?? -Infinity;
  const to = scan.filters.to?.getTime() ?? Infinity;
  const until = Math.min(to, scan.after?.at ?? Infinity);
  const wanted = scan.limit + 1;
  const pool: FoundLine[] = [];
  const found: FoundLine[] = [];
  let last: { lastAt: number; id: number } | null = null;
  let chunk = FIRST_CHUNK;
  let read = 0;
  let queries = 0;
  for (;;) {
    const rows: BlockRow[] = await blocksQuery(em, scan, until, last, chunk);
    for (const row of rows) {
      const { lines, stored } = linesOf(row, scan.filters.tenantId);
      read += stored;
      for (const line of lines) {
        if ((!scan.after || before(line, scan.after)) && keeps(line, scan.filters, from, to)) pool.push(line);
      }
      last = { lastAt: Number(row.last_ms), id: Number(row.id) };
    }
    const done = rows.length < chunk;
    // Every block not read yet ends at or before `last`: the lines later than that are all here.
    const frontier = done || !last ? -Infinity : last.lastAt;
    pool.sort(newestFirst);
    let taken = 0;
    while (taken < pool.length && found.length < wanted && (pool[taken] as FoundLine).at > frontier)
      found.push(pool[taken++] as FoundLine);
    pool.splice(0, taken);
    if (found.length >= wanted || done) return { lines: found, resume: null };
    // A page that read its share ends early, once it got past where it began (or it would begin there again).
    const spent = read >= (scan.readAtMost ?? LINES_PER_READ) || ++queries >= QUERIES_PER_READ;
    if (spent && frontier < (scan.after?.at ?? Infinity))
      return { lines: found, resume: { at: frontier, key: Number.MAX_SAFE_INTEGER } };
    chunk = Math.min(chunk * 2, LAST_CHUNK);
  }
}
