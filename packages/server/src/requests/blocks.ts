import type { Environment, RequestKind } from '@gatehouse/domain';
import type { LogLine } from './line';

/**
 * The request log keeps its lines in blocks: one row per app × tenant × environment per write, holding up to
 * BLOCK_LINES lines over at most BLOCK_SPAN_MS. The database adds one row and one entry per index for a
 * block, not for each call; a busy API's thousands of lines a second cost it a few rows.
 */
export const BLOCK_LINES = 1000;
/** How much time one block's lines span at most: a read finds every block holding a moment within it. */
export const BLOCK_SPAN_MS = 60_000;
/** A line's place in the log: its block's id times this, plus its index in the block (< BLOCK_LINES). */
export const LINE_KEY_BASE = 1024;

/** A line as a block keeps it: [at (epoch ms), request id, kind, method, route index, status, error code, latency ms]. */
export type StoredLine = [number, string, RequestKind, string, number, number, string | null, number];

/** A block ready to be written, with the lines it holds (what goes back to the buffer should it fail). */
export interface NewBlock {
  appId: string;
  tenantId: string | null;
  environment: Environment;
  firstAt: number;
  lastAt: number;
  statuses: number;
  kinds: number;
  errorCodes: string;
  routes: string;
  lines: string;
  source: LogLine[];
}

export const KIND_BITS: Record<RequestKind, number> = { api: 1, token: 2 };

/** The bit of a status's class (2xx, 4xx, …) in a block's `statuses`. */
export const statusBit = (status: number): number => 1 << Math.min(Math.max(Math.floor(status / 100), 0), 9);

/** A route as a block lists it: cut to 200 characters, with no line break (which separates the routes). */
const routeOf = (route: string): string =>
  (route.length > 200 ? route.slice(0, 200) : route).replace(/[\r\n]/g, ' ');

function groupKey(line: LogLine): string {
  return `${line.appId}\n${line.tenantId ?? ''}\n${line.environment}`;
}

/**
 * The blocks of a batch of lines: grouped by app, tenant and environment, each group in time order, cut
 * into blocks of at most BLOCK_LINES lines spanning at most BLOCK_SPAN_MS.
 */
export function blocksOf(lines: readonly LogLine[]): NewBlock[] {
  const groups = new Map<string, LogLine[]>();
  for (const line of lines) {
    const key = groupKey(line);
    const group = groups.get(key);
    if (group) group.push(line);
    else groups.set(key, [line]);
  }
  const blocks: NewBlock[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => a.at - b.at);
    let start = 0;
    for (let i = 1; i <= group.length; i++) {
      const first = group[start] as LogLine;
      if (i < group.length && i - start < BLOCK_LINES && (group[i] as LogLine).at - first.at <= BLOCK_SPAN_MS)
        continue;
      blocks.push(blockOf(group.slice(start, i)));
      start = i;
    }
  }
  return blocks;
}

function blockOf(source: LogLine[]): NewBlock {
  const first = source[0] as LogLine;
  const routes: string[] = [];
  const routeIndex = new Map<string, number>();
  const codes = new Set<string>();
  let statuses = 0;
  let kinds = 0;
  const stored = source.map((line): StoredLine => {
    const route = routeOf(line.route);
    let index = routeIndex.get(route);
    if (index === undefined) {
      index = routes.length;
      routes.push(route);
      routeIndex.set(route, index);
    }
    const errorCode = line.errorCode === null ? null : line.errorCode.slice(0, 40);
    if (errorCode !== null) codes.add(errorCode);
    statuses |= statusBit(line.status);
    kinds |= KIND_BITS[line.kind];
    return [
      Math.floor(line.at),
      line.requestId.length > 64 ? line.requestId.slice(0, 64) : line.requestId,
      line.kind,
      line.method.slice(0, 10),
      index,
      line.status,
      errorCode,
      Math.round(line.latencyMs * 1000) / 1000,
    ];
  });
  return {
    appId: first.appId,
    tenantId: first.tenantId,
    environment: first.environment,
    firstAt: Math.floor(first.at),
    lastAt: Math.floor((source[source.length - 1] as LogLine).at),
    statuses,
    kinds,
    errorCodes: codes.size === 0 ? '' : `,${[...codes].join(',')},`,
    routes: `\n${routes.join('\n')}\n`,
    lines: JSON.stringify(stored),
    source,
  };
}

/** A block's route list, in the order its lines name them. */
export function routesOf(routes: string): string[] {
  return routes.slice(1, -1).split('\n');
}
