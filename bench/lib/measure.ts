/**
 * One measured slice: autocannon against one server or several at once (the
 * connections split among them), with the CPU time every watched process
 * used meanwhile, and slices of a scenario combined into one measurement.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { median } from './format';
import { childCpu, mainThreadCpu } from './server-process';

export interface Scenario {
  key: string;
  title: string;
  /** One request per pair (or one in all). */
  requests: autocannon.Request[];
}

export interface Measured {
  scenario: Scenario;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** Share of one core each process used while measured: near 100 % means that side was the limit. */
  serverCpu: number;
  /** Each watched server's share, in the order given; serverCpu is their sum. */
  serverCpus: number[];
  /** Share of one core the watched servers' main threads (their event loops) used, summed; NaN without /proc. */
  loopCpu: number;
  loadCpu: number;
  /** Cores the whole machine kept busy meanwhile (0 to the number of cores; NaN where /proc/stat is missing): the bench's processes and everything else. */
  machineCpu: number;
  /** Per round: requests/s of each slice. */
  slices: number[];
}

/** Slices of one scenario as one measurement: totals add up, p50 is the median slice's, p99 the worst slice's. */
export function combine(slices: Measured[]): Measured {
  const seconds = slices.reduce((sum, m) => sum + m.seconds, 0);
  const total = slices.reduce((sum, m) => sum + m.total, 0);
  const sum = (pick: (m: Measured) => number) => slices.reduce((acc, m) => acc + pick(m), 0);
  const statusCodes: Record<string, number> = {};
  for (const m of slices)
    for (const [code, count] of Object.entries(m.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    scenario: slices[0]!.scenario,
    rps: total / seconds,
    p50: median(slices.map((m) => m.p50)),
    p99: Math.max(...slices.map((m) => m.p99)),
    total,
    ok: sum((m) => m.ok),
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    statusCodes,
    seconds,
    serverCpu: sum((m) => m.serverCpu * m.seconds) / seconds,
    serverCpus: slices[0]!.serverCpus.map(
      (_, index) => sum((m) => m.serverCpus[index]! * m.seconds) / seconds,
    ),
    loopCpu: sum((m) => m.loopCpu * m.seconds) / seconds,
    loadCpu: sum((m) => m.loadCpu * m.seconds) / seconds,
    machineCpu: sum((m) => m.machineCpu * m.seconds) / seconds,
    slices: slices.map((m) => m.rps),
  };
}

/**
 * With many requests (one per pair), each connection takes every
 * `connections`-th of them and cycles through its share: every pair is called
 * by one connection at an even pace, and the load generator keeps one copy
 * of each request instead of one per connection (tens of megabytes it would
 * otherwise stream through its caches, slowing it down in (b) and (c) only).
 *
 * autocannon's measured time starts before it sets up its connections, and
 * each connection copies and pre-builds every request in its options. Given
 * all 1,200 requests there, that set-up took up to 1.6 s of a 4 s slice in (b)
 * and (c) alone, during which nothing was sent. So the options hold only
 * the first request, and each connection gets its own share when it is set up.
 */
export function fire(
  url: string,
  requests: autocannon.Request[],
  durationS: number,
  connections: number,
): Promise<autocannon.Result> {
  const shared = requests.length < connections;
  const shares = shared
    ? []
    : Array.from({ length: connections }, (_, share) =>
        requests.filter((_, index) => index % connections === share),
      );
  let nextClient = 0;
  return autocannon({
    url,
    connections,
    duration: durationS,
    requests: shared ? requests : requests.slice(0, 1),
    setupClient: (client) => {
      if (!shared) client.setRequests(shares[nextClient++ % connections]!);
    },
  });
}

/** The machine's busy and total CPU time so far, summed over its cores (in clock ticks), from /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return undefined;
  }
}

export interface MeasureOptions {
  /** Servers the load goes to; with several, the connections and the requests are dealt among them in turn. */
  urls: string[];
  connections: number;
  /** Processes whose CPU time is measured as the servers'. */
  servers: ChildProcess[];
}

export async function measure(
  options: MeasureOptions,
  scenario: Scenario,
  durationS: number,
): Promise<Measured> {
  const cpuOf = () => Promise.all(options.servers.map(childCpu));
  const loopOf = () =>
    options.servers.reduce(
      (total, child) =>
        total + (child.pid === undefined ? Number.NaN : (mainThreadCpu(child.pid) ?? Number.NaN)),
      0,
    );
  const [serverBefore, loopBefore, loadBefore, wallBefore, machineBefore] = [
    await cpuOf(),
    loopOf(),
    process.cpuUsage(),
    performance.now(),
    machineTicks(),
  ];
  const { urls } = options;
  const results = await Promise.all(
    urls.map((url, index) =>
      fire(
        url,
        // A scenario of one request (or fewer than servers) sends the same to each.
        scenario.requests.length < urls.length
          ? scenario.requests
          : scenario.requests.filter((_, r) => r % urls.length === index),
        durationS,
        Math.floor(options.connections / urls.length) + (index < options.connections % urls.length ? 1 : 0),
      ),
    ),
  );
  const wallUs = (performance.now() - wallBefore) * 1000;
  const loadUsed = process.cpuUsage(loadBefore);
  const serverAfter = await cpuOf();
  const loopAfter = loopOf();
  const machineAfter = machineTicks();
  const machineCpu =
    machineBefore && machineAfter
      ? ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) *
        os.cpus().length
      : Number.NaN;
  const serverCpus = serverAfter.map((after, index) => (after - serverBefore[index]!) / wallUs);
  const statusCodes: Record<string, number> = {};
  for (const result of results)
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
      statusCodes[code] = (statusCodes[code] ?? 0) + (stat as { count: number }).count;
  const sum = (pick: (r: autocannon.Result) => number) => results.reduce((acc, r) => acc + pick(r), 0);
  const seconds = Math.max(...results.map((r) => r.duration));
  return {
    scenario,
    rps: sum((r) => r.requests.total) / seconds,
    // With several servers: the mean of their medians, the worst of their p99s.
    p50: sum((r) => r.latency.p50) / results.length,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    total: sum((r) => r.requests.total),
    ok: sum((r) => r['2xx']),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    seconds,
    serverCpu: serverCpus.reduce((a, b) => a + b, 0),
    serverCpus,
    loopCpu: (loopAfter - loopBefore) / wallUs,
    loadCpu: (loadUsed.user + loadUsed.system) / wallUs,
    machineCpu,
    slices: [],
  };
}

export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** Other work on the machine skews every figure: reports say how busy it was. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');

export function machine(): string {
  const cpus = os.cpus();
  return `Node ${process.version} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`;
}

export const codes = (m: Measured, fmt: (n: number) => string) =>
  Object.entries(m.statusCodes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code}×${fmt(count)}`)
    .join(', ');
