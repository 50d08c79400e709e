/**
 * Where the event loop's time goes per call with the request log on and off. One server at a time, on
 * the same data: first with its log off, then with it on for the whole run (the order is fixed, so the
 * second also runs later and on a database the first has used). Each is profiled (V8's CPU profile of its
 * main thread) while (a), (b) and (c) take turns as in `bench`, and the event loop's CPU is read from
 * /proc (Linux only). Prints, per scenario, the event loop's CPU per call both ways and the functions whose
 * self time per call differs most.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:gate-profile [-- --scenarios=abc] [--rounds=5] [--seconds=4] [--top=15]
 *
 * `--scenarios=c` measures (c) alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { scratchDatabase } from './lib/databases';
import { fmt, intOption, log } from './lib/format';
import { measure, type Scenario } from './lib/measure';
import { POOL_PAIRS, prepare, resourceRequests, setUp, tokenRequests } from './lib/pairs';
import { mainThreadCpu, startServer, stopChild } from './lib/server-process';

const SECONDS = intOption('seconds', 4, 2, 120);
const TOP = intOption('top', 15, 1, 100);
const ROUNDS = intOption('rounds', 5, 1, 20);
/** Which of (a), (b) and (c) take turns, as `--scenarios=abc`. */
const SCENARIOS = process.argv.find((a) => a.startsWith('--scenarios='))?.slice(12) ?? 'abc';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (µs) per function between two moments of the monotonic clock, which V8's profile also counts in. */
function selfTimes(profile: Profile, spans: [number, number][]): Map<string, number> {
  const names = new Map<number, string>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const file = frame.url ? path.basename(frame.url) : '';
    names.set(node.id, `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`.trim());
  }
  const times = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const next = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1]! : 0;
    if (!spans.some(([from, to]) => at >= from && at <= to)) continue;
    const name = names.get(profile.samples[i]!)!;
    times.set(name, (times.get(name) ?? 0) + next);
  }
  return times;
}

/** The windows (µs of the monotonic clock) a scenario was measured in, its calls and its event loop's CPU. */
interface Windows {
  spans: [number, number][];
  calls: number;
  loopUs: number;
}

async function run(role: 'off' | 'on', databaseUrl: string, pool: Awaited<ReturnType<typeof setUp>>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gate-profile-${role}-`));
  const server = await startServer({ databaseUrl, requestLog: role === 'on', cpuProfDir: dir });
  const ready = await prepare(server.url, pool);
  const all: Scenario[] = [
    { key: 'a', title: '(a)', requests: [{ method: 'GET', path: '/healthz' }] },
    { key: 'b', title: '(b)', requests: tokenRequests(ready) },
    { key: 'c', title: '(c)', requests: resourceRequests(ready) },
  ];
  const scenarios = all.filter((scenario) => SCENARIOS.includes(scenario.key));
  if (scenarios.length === 0 || /[^abc]/.test(SCENARIOS))
    throw new Error('--scenarios takes letters of a, b and c, as in --scenarios=bc.');
  if (mainThreadCpu(server.child.pid ?? 0) === undefined)
    throw new Error('This measurement reads /proc (Linux only).');
  const target = { urls: [server.url], connections: 50, servers: [server.child] };
  for (const scenario of scenarios) await measure(target, scenario, 2);
  const pid = server.child.pid!;
  const windows = new Map<string, Windows>(scenarios.map((s) => [s.key, { spans: [], calls: 0, loopUs: 0 }]));
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < scenarios.length; i++) {
      const scenario = scenarios[(round + i) % scenarios.length]!;
      const loopBefore = mainThreadCpu(pid)!;
      const from = Number(process.hrtime.bigint() / 1000n);
      const measured = await measure(target, scenario, SECONDS);
      const to = Number(process.hrtime.bigint() / 1000n);
      const w = windows.get(scenario.key)!;
      w.spans.push([from, to]);
      w.calls += measured.total;
      w.loopUs += mainThreadCpu(pid)! - loopBefore;
    }
  await stopChild(server.child);
  // Node writes a profile per thread (the token signer's and the log's too): the main thread's is thread 0.
  const file = fs
    .readdirSync(dir)
    .find((name) => new RegExp(`\\.${pid}\\.0\\.\\d+\\.cpuprofile$`).test(name));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
  fs.rmSync(dir, { recursive: true, force: true });
  return new Map(
    [...windows].map(([key, w]) => {
      log(`${role} (${key}): ${fmt(w.calls)} calls, event loop ${fmt(w.loopUs / w.calls, 1)} µs a call`);
      return [key, { calls: w.calls, loopUs: w.loopUs, times: selfTimes(profile, w.spans) }] as const;
    }),
  );
}

async function main() {
  const scratch = await scratchDatabase('sqlite');
  try {
    const db = await openDatabase(scratch.url);
    await migrate(db);
    const pool = await setUp(db, POOL_PAIRS);
    await db.close();
    const off = await run('off', scratch.url, pool);
    const on = await run('on', scratch.url, pool);
    for (const key of on.keys()) {
      const [x, y] = [on.get(key)!, off.get(key)!];
      const perCall = (r: typeof x, name: string) => (r.times.get(name) ?? 0) / r.calls;
      const names = new Set([...x.times.keys(), ...y.times.keys()]);
      const rows = [...names]
        .map((name) => ({ name, on: perCall(x, name), off: perCall(y, name) }))
        .sort((p, q) => Math.abs(q.on - q.off) - Math.abs(p.on - p.off))
        .slice(0, TOP);
      console.log(
        `\n(${key}): event loop ${fmt(x.loopUs / x.calls, 1)} µs a call with the log on, ${fmt(y.loopUs / y.calls, 1)} off\n`,
      );
      console.log('| function | on µs/call | off µs/call | difference |');
      console.log('|---|---:|---:|---:|');
      for (const row of rows)
        console.log(`| ${row.name} | ${fmt(row.on, 2)} | ${fmt(row.off, 2)} | ${fmt(row.on - row.off, 2)} |`);
      const busy = (r: typeof x) =>
        [...r.times].filter(([name]) => !name.startsWith('(idle)')).reduce((sum, [, t]) => sum + t, 0) /
        r.calls;
      console.log(
        `| all but idle | ${fmt(busy(x), 2)} | ${fmt(busy(y), 2)} | ${fmt(busy(x) - busy(y), 2)} |`,
      );
    }
  } finally {
    await scratch.drop();
  }
}

await main();
process.exit(0);
