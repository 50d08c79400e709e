import { type Environment, latencyBucketOf, type RequestKind } from '@gatehouse/domain';
import { type LogLine, UtcDays } from './line';
import { LinesText } from './lines-text';

/**
 * The request log keeps its lines in blocks: one row per app × environment per write, holding up to
 * BLOCK_LINES lines over at most BLOCK_SPAN_MS, whatever tenants they came from (a line names its tenant by
 * its place in the block's `tenants`). The database adds one row and one entry per index for a block, not
 * for each call: a busy API's thousands of lines a second cost it a row per app.
 */
export const BLOCK_LINES = 1000;
/** How much time one block's lines span at most: a read finds every block holding a moment within it. */
export const BLOCK_SPAN_MS = 60_000;
/** A line's place in the log: its block's id times this, plus its index in the block (< BLOCK_LINES). */
export const LINE_KEY_BASE = 1024;

/**
 * A line as a block keeps it: [ms after the block's first line, request id, entry (its kind, method and
 * route: its place in the block's `routes`), status, error code, latency in µs (a whole number is quicker
 * to write than a fraction), tenant (its place in the block's `tenants`, -1 for none)]. A line written
 * before blocks mixed tenants has no tenant of its own: its block's only tenant is its tenant.
 */
export type StoredLine = [number, string, number, number, string | null, number, number?];

/** What a block's lines are: its `routes` holds one `kind \t method \t route` a line. */
export interface Entry {
  kind: RequestKind;
  method: string;
  route: string;
}

/** A block ready to be written: its columns, and what its lines add to the rollup. */
export interface NewBlock {
  appId: string;
  environment: Environment;
  /** The first line's time; every other line's is at or after it (see BlockBuilder.add). */
  firstAt: number;
  lastAt: number;
  /** How many lines it holds. */
  count: number;
  statuses: number;
  kinds: number;
  errorCodes: string;
  routes: string;
  lines: string;
  entries: Entry[];
  /** The tenants the lines came from, in the order they name them (the `tenants` column: tenantsText). */
  tenantIds: string[];
  /**
   * Calls per tenant, day, entry and latency bucket, for the daily latency counts (rollups.ts): the key is
   * (((tenant's place + 1) × 2 + days after the first line's day) × 4096 + entry) × 64 + bucket (a block
   * spans at most a minute, so at most two days), so that a line adds to a number rather than building a
   * text key.
   */
  latency: Map<number, number>;
  /** Per tenant's place: the latest call that needed each scope (calls with no tenant name none). */
  scopes: Map<string, number>[];
}

export const KIND_BITS: Record<RequestKind, number> = { api: 1, token: 2 };
const DAY_MS = 86_400_000;

/** The bit of a status's class (2xx, 4xx, …) in a block's `statuses`. */
export const statusBit = (status: number): number => 1 << Math.min(Math.max(Math.floor(status / 100), 0), 9);

/** A text as a block's `routes` may hold it: cut to `max` characters, with no tab or line break. */
const clean = (text: string, max: number): string =>
  (text.length > max ? text.slice(0, max) : text).replace(/[\t\r\n]/g, ' ');

/** A block being filled. */
class OpenBlock {
  readonly entries: Entry[] = [];
  /** Route → the entries of that route (usually one: a route has one method and kind). */
  private readonly byRoute = new Map<string, number[]>();
  private readonly codes = new Set<string>();
  readonly tenantIds: string[] = [];
  private readonly tenantPlaces = new Map<string, number>();
  readonly latency = new Map<number, number>();
  readonly scopes: Map<string, number>[] = [];
  private readonly lines = new LinesText();
  private readonly firstDay: number;
  lastAt: number;
  statuses = 0;
  kinds = 0;

  constructor(
    readonly appId: string,
    readonly environment: Environment,
    readonly firstAt: number,
  ) {
    this.firstDay = Math.floor(firstAt / DAY_MS);
    this.lastAt = firstAt;
  }

  get count(): number {
    return this.lines.count;
  }

  add(line: LogLine, at: number): void {
    const entry = this.entryOf(line);
    const tenant = line.tenantId === null ? -1 : this.tenantOf(line.tenantId);
    const errorCode = line.errorCode === null ? null : line.errorCode.slice(0, 40);
    if (errorCode !== null) this.codes.add(errorCode);
    this.statuses |= statusBit(line.status);
    this.kinds |= KIND_BITS[line.kind];
    if (at > this.lastAt) this.lastAt = at;
    const slot =
      (((tenant + 1) * 2 + Math.floor(at / DAY_MS) - this.firstDay) * 4096 + entry) * 64 +
      latencyBucketOf(line.latencyMs);
    this.latency.set(slot, (this.latency.get(slot) ?? 0) + 1);
    if (line.scope !== null && tenant >= 0) {
      let uses = this.scopes[tenant];
      if (!uses) {
        uses = new Map();
        this.scopes[tenant] = uses;
      }
      if ((uses.get(line.scope) ?? 0) < at) uses.set(line.scope, at);
    }
    const id = line.requestId.length > 64 ? line.requestId.slice(0, 64) : line.requestId;
    // Numbers only: a NaN would make the block's JSON unreadable.
    const status = Number.isInteger(line.status) ? line.status : 0;
    const micros = Number.isFinite(line.latencyMs) ? Math.round(line.latencyMs * 1000) : 0;
    this.lines.add(at - this.firstAt, id, entry, status, errorCode, micros, tenant);
  }

  close(): NewBlock {
    const { appId, environment, firstAt, lastAt, statuses, kinds, entries, tenantIds, latency, scopes } =
      this;
    return {
      appId,
      environment,
      firstAt,
      lastAt,
      count: this.lines.count,
      statuses,
      kinds,
      errorCodes: this.codes.size === 0 ? '' : `,${[...this.codes].join(',')},`,
      routes: `\n${entries.map((e) => `${e.kind}\t${e.method}\t${e.route}`).join('\n')}\n`,
      lines: this.lines.text(),
      entries,
      tenantIds,
      latency,
      scopes,
    };
  }

  private tenantOf(tenantId: string): number {
    let place = this.tenantPlaces.get(tenantId);
    if (place === undefined) {
      place = this.tenantIds.length;
      this.tenantIds.push(tenantId);
      this.tenantPlaces.set(tenantId, place);
    }
    return place;
  }

  private entryOf(line: LogLine): number {
    let candidates = this.byRoute.get(line.route);
    if (!candidates) {
      candidates = [];
      this.byRoute.set(line.route, candidates);
    }
    for (const i of candidates) {
      const entry = this.entries[i] as Entry;
      if (entry.kind === line.kind && entry.method === line.method) return i;
    }
    const index = this.entries.length;
    this.entries.push({ kind: line.kind, method: clean(line.method, 10), route: clean(line.route, 200) });
    candidates.push(index);
    return index;
  }
}

/**
 * Lines into blocks as they come: each app × environment has one open block, closed when it holds
 * BLOCK_LINES lines, when a line would make it span more than BLOCK_SPAN_MS or comes from before its first
 * (the clock went back), and by `take`. A line costs a few lookups and its bytes in the block's text
 * (lines-text.ts); nothing waits for the database in between.
 */
export class BlockBuilder {
  private readonly open = new Map<string, Map<Environment, OpenBlock>>();
  private closed: NewBlock[] = [];
  /** Lines in the blocks, open or closed, not taken yet. */
  size = 0;

  add(line: LogLine): void {
    const at = Number.isFinite(line.at) ? Math.floor(line.at) : Date.now();
    let environments = this.open.get(line.appId);
    if (!environments) {
      environments = new Map();
      this.open.set(line.appId, environments);
    }
    let block = environments.get(line.environment);
    if (block && (block.count >= BLOCK_LINES || at < block.firstAt || at - block.firstAt > BLOCK_SPAN_MS)) {
      this.closed.push(block.close());
      block = undefined;
    }
    if (!block) {
      block = new OpenBlock(line.appId, line.environment, at);
      environments.set(line.environment, block);
    }
    block.add(line, at);
    this.size++;
  }

  /** Every block, the open ones closed; the builder starts empty. */
  take(): NewBlock[] {
    const blocks = this.closed;
    for (const environments of this.open.values())
      for (const block of environments.values()) blocks.push(block.close());
    this.open.clear();
    this.closed = [];
    this.size = 0;
    return blocks;
  }
}

/** The blocks of a batch of lines (the demo's traffic, tests): in time order, through a BlockBuilder. */
export function blocksOf(lines: readonly LogLine[]): NewBlock[] {
  const builder = new BlockBuilder();
  for (const line of [...lines].sort((a, b) => a.at - b.at)) builder.add(line);
  return builder.take();
}

/** A block's entries, in the order its lines name them. */
export function entriesOf(routes: string): Entry[] {
  return routes
    .slice(1, -1)
    .split('\n')
    .map((text) => {
      const [kind = 'api', method = '', route = ''] = text.split('\t');
      return { kind: kind as RequestKind, method, route };
    });
}

/** A block's `tenants` column: `,tenant,` for each tenant its lines came from, or empty. */
export function tenantsText(tenantIds: readonly string[]): string {
  return tenantIds.length === 0 ? '' : `,${tenantIds.join(',')},`;
}

/** A block's tenants (its `tenants` column), in the order its lines name them. */
export function tenantsOf(tenants: string): string[] {
  return tenants === '' ? [] : tenants.slice(1, -1).split(',');
}

/** The day texts of the slots read in turn: a block's are of one day, or two. */
const utcDays = new UtcDays();

/** The tenant (null: none), day (`YYYY-MM-DD`, UTC) and entry a key of NewBlock.latency names, and its bucket. */
export function latencySlot(
  block: NewBlock,
  slot: number,
): { tenantId: string | null; day: string; entry: Entry; bucket: number } {
  const bucket = slot % 64;
  const entry = block.entries[Math.floor(slot / 64) % 4096] as Entry;
  const rest = Math.floor(slot / 64 / 4096);
  const tenant = Math.floor(rest / 2) - 1;
  return {
    tenantId: tenant < 0 ? null : (block.tenantIds[tenant] ?? null),
    day: utcDays.of((Math.floor(block.firstAt / DAY_MS) + (rest % 2)) * DAY_MS),
    entry,
    bucket,
  };
}
