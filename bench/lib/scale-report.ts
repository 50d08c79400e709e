/**
 * The scale benchmark's report: per database, a table of every call on the
 * small and the big database, why any call failed, and the targets of
 * issue 15 as the checks table every report ends with.
 */
import { checksTable, fmt } from './format';
import type { Call } from './scale-calls';
import type { SeededDatabase } from './scale-databases';

/** One call's measurements on one database. */
export interface Side {
  /** Milliseconds to the last byte, every measured call. */
  samples: number[];
  statuses: Record<string, number>;
  /** Why calls failed, and how often. */
  failures: Record<string, number>;
  /** The largest body. */
  bytes: number;
  /** SQL statements of one call (the least of a few); null when not counted. */
  statements: number | null;
  rows?: number;
  contentType?: string | null;
}

export interface CallResult {
  call: Call;
  small: Side;
  big: Side;
}

export interface DialectResult {
  label: string;
  big: SeededDatabase;
  smallSeedSeconds: number;
  results: CallResult[];
  rss: { bigMb: number; bigDuring: string; smallMb: number };
  /** Statements per second each server sent with nobody calling it. */
  idle: { small: number; big: number };
  latePage: { small: number; big: number };
}

export const TARGETS = {
  p95FloorMs: 25,
  ratio: 2,
  maxBytes: 256 * 1024,
  maxRssMb: 300,
  csvRows: 10_000,
  csvMs: 1000,
} as const;

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ok = (side: Side) => Object.keys(side.failures).length === 0 && side.samples.length > 0;
const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 100 ? n.toFixed(1) : fmt(n));
const kb = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : `${fmt(bytes / 1024, bytes < 10_240 ? 1 : 0)} kB`;
const limitOf = (r: CallResult) =>
  Math.max(TARGETS.p95FloorMs, TARGETS.ratio * percentile(r.small.samples, 95) || 0);
const statusOf = (side: Side) =>
  Object.entries(side.statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ') || 'not sent';
const ratio = (big: number, small: number) => (Number.isNaN(big / small) ? '–' : (big / small).toFixed(1));

export function checksOf(d: DialectResult) {
  const pages = d.results.filter((r) => !r.call.download);
  const list = (items: string[]) => (items.length ? items.join('; ') : '');
  const failed = d.results.filter((r) => !ok(r.small) || !ok(r.big));
  const slow = pages.filter((r) => ok(r.big) && percentile(r.big.samples, 95) > limitOf(r));
  const grown = pages.filter(
    (r) =>
      r.small.statements !== null && r.big.statements !== null && r.small.statements !== r.big.statements,
  );
  const large = pages.filter((r) => r.big.bytes > TARGETS.maxBytes);
  const csv = d.results.find((r) => r.call.download);
  const csvP95 = csv ? percentile(csv.big.samples, 95) : Number.NaN;
  const csvOk =
    csv !== undefined &&
    ok(csv.big) &&
    csv.big.rows === TARGETS.csvRows &&
    /^text\/csv/.test(csv.big.contentType ?? '') &&
    csvP95 < TARGETS.csvMs;
  return [
    {
      label: 'Every call answers 200 on both databases',
      passed: failed.length === 0,
      value: failed.length ? `failed: ${list(failed.map((r) => r.call.title))}` : `${d.results.length} calls`,
    },
    {
      label: `p95 on the big database ≤ max(${TARGETS.p95FloorMs} ms, ${TARGETS.ratio}× the small one's)`,
      passed: slow.length === 0 && failed.length === 0,
      value:
        list(
          slow.map((r) => `${r.call.title} ${ms(percentile(r.big.samples, 95))} > ${ms(limitOf(r))} ms`),
        ) || (failed.length ? 'failed calls not counted' : `${pages.length} pages within`),
    },
    {
      label: 'SQL statements per call the same on both databases',
      passed: grown.length === 0,
      value:
        list(grown.map((r) => `${r.call.title} ${r.small.statements ?? '?'} → ${r.big.statements ?? '?'}`)) ||
        `${pages.length} pages`,
    },
    {
      label: `No page over ${TARGETS.maxBytes / 1024} kB`,
      passed: large.length === 0,
      value:
        list(large.map((r) => `${r.call.title} ${kb(r.big.bytes)}`)) ||
        `largest ${kb(Math.max(...pages.map((r) => r.big.bytes)))}`,
    },
    {
      label: `Big server's RSS under ${TARGETS.maxRssMb} MB throughout`,
      passed: d.rss.bigMb > 0 && d.rss.bigMb < TARGETS.maxRssMb,
      value: d.rss.bigMb > 0 ? `peak ${fmt(d.rss.bigMb)} MB (${d.rss.bigDuring})` : 'not measured (no /proc)',
    },
    {
      label: `CSV export: ${fmt(TARGETS.csvRows)} rows as text/csv in under ${TARGETS.csvMs / 1000} s`,
      passed: csvOk,
      value: csv
        ? ok(csv.big)
          ? `${fmt(csv.big.rows ?? 0)} rows, ${kb(csv.big.bytes)}, ${csv.big.contentType ?? 'no content type'}, p95 ${ms(csvP95)} ms`
          : 'failed'
        : 'not measured',
    },
  ];
}

export function dialectReport(d: DialectResult): string[] {
  const seed = d.big.report;
  const lines = [
    `## ${d.label}`,
    '',
    `Big database ${d.big.reused ? 'reused, seeded' : 'seeded'} ${new Date(seed.seededAt).toISOString()} in ${fmt(seed.seconds)} s (${seed.tables.map((t) => `${t.table} ${fmt(t.rows)} in ${t.seconds.toFixed(1)} s`).join(', ')}); small database seeded in ${d.smallSeedSeconds.toFixed(1)} s. My Apps' late page: page ${d.latePage.big} on the big database, ${d.latePage.small} on the small one. Server RSS peak: big ${fmt(d.rss.bigMb)} MB, small ${fmt(d.rss.smallMb)} MB. Statements/s with no calls: ${d.idle.small.toFixed(1)} small, ${d.idle.big.toFixed(1)} big (the change feed's reads, left out of each call's count).`,
    '',
    '| Call | p50 small / big (ms) | p95 small / big (ms) | p95 big/small | Target (ms) | SQL statements small → big | Largest body small → big | Status small / big |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of d.results) {
    const [s95, b95] = [percentile(r.small.samples, 95), percentile(r.big.samples, 95)];
    const target = r.call.download ? `< ${fmt(TARGETS.csvMs)}` : fmt(limitOf(r));
    lines.push(
      `| ${r.call.title} | ${ms(percentile(r.small.samples, 50))} / ${ms(percentile(r.big.samples, 50))} | ${ms(s95)} / ${ms(b95)} | ${ratio(b95, s95)} | ${target} | ${r.small.statements ?? '–'} → ${r.big.statements ?? '–'} | ${kb(r.small.bytes)} → ${kb(r.big.bytes)} | ${statusOf(r.small)} / ${statusOf(r.big)} |`,
    );
  }
  const failures = d.results.flatMap((r) =>
    (['small', 'big'] as const).flatMap((side) =>
      Object.entries(r[side].failures).map(([message, n]) => `- ${r.call.title}, ${side}: ${n}× ${message}`),
    ),
  );
  if (failures.length) lines.push('', 'Failed calls:', '', ...failures);
  lines.push('', ...checksTable(checksOf(d)), '');
  return lines;
}
