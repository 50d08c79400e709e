/**
 * What the request log costs the hot paths (issue 17): two servers, each on its own copy of the same data,
 * one with the log on and one with it off, measured in turns in one run: (a) GET /healthz, (b) the token
 * endpoint and (c) a gated GET, each on the logging server and on the other one right after, so that the
 * two slices a round compares lie seconds apart on a machine whose speed drifts (the scenarios' order
 * rotates from round to round, and which server goes first alternates), with a pause after every slice
 * so that a server's background writes end before the next slice starts. Halfway the servers swap: the
 * one that logged stops and the other starts, so that whatever makes one server faster than the other
 * (which started first, where its memory lies) falls on both sides alike. What the log keeps of a ratio
 * is the rate with the log on over the rate with it off in the same round ((a) is not logged and is the
 * same route on both, so (b on / a) / (b off / a) is b on / b off). The run reports the median over each
 * half's rounds and checks their geometric mean, in which one server's own speed cancels out. The target:
 * the log on keeps at least 0.9 of each ratio. Each side's ratios to its own (a) are in the table too.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:request-log [-- --pairs=N] [--rounds=N] [--both-off] [--one-server] [--settle-on=MS]
 *
 * `--both-off` keeps the log off on both servers: what the comparison reads when nothing differs (the
 * machine's own noise).
 *
 * `--one-server` measures one server instead, its log switched on or off between slices as each needs it
 * and flushed after each slice with it on, so that both sides are the same process (the same heap, the
 * same compiled code), in the same order; it checks the median over the rounds. Either way the table gives
 * the event loop's own CPU per request (Linux), the kernel's part of it, and how often per 1,000 requests
 * it waited or was preempted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { scratchDatabase } from './lib/databases';
import {
  checksTable,
  deadline,
  fmt,
  intOption,
  log,
  median,
  medianInterval,
  percent,
  seconds,
} from './lib/format';
import { codes, combine, gitCommit, loadAverage, type Measured, measure, type Scenario } from './lib/measure';
import { POOL_PAIRS, prepare, resourceRequests, setUp, tokenRequests } from './lib/pairs';
import {
  mainThreadTimes,
  otherThreadTimes,
  requestLogCounts,
  type ServerProcess,
  startServer,
  stopChild,
  switchRequestLog,
  type ThreadTimes,
} from './lib/server-process';

const CONNECTIONS = 50;
const ONE_SERVER = process.argv.includes('--one-server');
/**
 * Rounds in all, half with each server logging. The tokens live 15 minutes: a run fetches fresh ones
 * between rounds once they are 10 minutes old (TOKEN_REFRESH_MS), so a run of many rounds measures the
 * gate to its end, not refusals (401).
 */
const ROUNDS = intOption('rounds', 6, 2, 60);
const PAIRS = intOption('pairs', POOL_PAIRS, 1, 2000);
const SLICE_S = 4;
const WARMUP_S = 2;
/** After every slice: the log's writer flushes each second, and its work must not fall in the next slice. */
const SETTLE_MS = 1500;
/**
 * After a slice with the log on, longer (`--settle-on=MS`, 1.5 s unless given): what the log leaves behind
 * (its thread's last batch, the heap it filled) must not be paid for in the "off" slice that follows.
 * `--both-off` pauses the same after the slices that would have logged.
 */
const SETTLE_ON_MS = intOption('settle-on', SETTLE_MS, 0, 30_000);
/** Fresh tokens before a round once the last ones are this old (they live 15 minutes). */
const TOKEN_REFRESH_MS = 10 * 60_000;
const KEEP_TARGET = 0.9;
const BOTH_OFF = process.argv.includes('--both-off');
/** A round takes about 40 s on a busy 2-vCPU machine, plus the longer pauses; set-up and warm-ups up to 3 minutes. */
const RUN_DEADLINE_MS = (4 + ROUNDS) * 60_000 + ROUNDS * 3 * SETTLE_ON_MS;
const resultsDir = path.join(import.meta.dirname, 'results');

type Role = 'on' | 'off';

interface Side {
  name: 'A' | 'B';
  server: ServerProcess;
  scenarios: Scenario[];
  /** Fresh tokens for the gated scenario (c), if the last ones are TOKEN_REFRESH_MS old: whether it fetched. */
  refresh(): Promise<boolean>;
}

async function side(name: Side['name'], started: number): Promise<Side & { drop(): Promise<void> }> {
  const scratch = await scratchDatabase('sqlite');
  const db = await openDatabase(scratch.url);
  await migrate(db);
  const pool = await setUp(db, PAIRS);
  await db.close();
  const server = await startServer({ databaseUrl: scratch.url, requestLog: false });
  const ready = await prepare(server.url, pool);
  let fetched = performance.now();
  log(`server ${name}: ${ready.length} pairs ready at ${server.url} (${seconds(started)})`);
  const gated: Scenario = {
    key: 'c',
    title: '(c) GET …/crm/v2/tenant/{tenant}/customers/{id}',
    requests: resourceRequests(ready),
  };
  const scenarios: Scenario[] = [
    { key: 'a', title: '(a) GET /healthz', requests: [{ method: 'GET', path: '/healthz' }] },
    { key: 'b', title: '(b) POST /integration/connect/token', requests: tokenRequests(ready) },
    gated,
  ];
  return {
    name,
    server,
    scenarios,
    refresh: async () => {
      if (performance.now() - fetched < TOKEN_REFRESH_MS) return false;
      gated.requests = resourceRequests(await prepare(server.url, pool));
      fetched = performance.now();
      log(`server ${name}: fresh tokens for ${gated.requests.length} pairs`);
      return true;
    },
    drop: async () => {
      await stopChild(server.child);
      await scratch.drop();
    },
  };
}

const target = (server: ServerProcess) => ({
  urls: [server.url],
  connections: CONNECTIONS,
  servers: [server.child],
});

async function main(): Promise<boolean> {
  const started = performance.now();
  const load = loadAverage();
  const sides: Awaited<ReturnType<typeof side>>[] = [];
  try {
    const first = await side('A', started);
    sides.push(first);
    const second = ONE_SERVER ? undefined : await side('B', started);
    if (second) sides.push(second);
    const half = Math.floor(ROUNDS / 2);
    /** With two servers, the one logging in a round: A in the first half, B in the second. */
    const logging = (round: number) => (round < half || !second ? first : second);
    const slice = perSlice<Measured>();
    /** The server's event loop per answered request, slice by slice (Linux's /proc): its CPU time, user and kernel, and its context switches. */
    const loopTimes = perSlice<ThreadTimes>();
    /** The server's other threads per answered request, by name, slice by slice. */
    const otherTimes = perSlice<Map<string, ThreadTimes>>();
    /**
     * A round's slices in the order they run: each scenario with the log on and off one right after the
     * other (on the logging server and the other one, or on the one server switched between them), so that
     * the two slices a round compares lie seconds apart on a machine whose speed drifts. The scenarios'
     * order rotates from round to round, and which of the two goes first alternates.
     */
    const turnsOf = (round: number) => {
      const roles: Role[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      const count = first.scenarios.length;
      const on = logging(round);
      const off = second && on === first ? second : first;
      return Array.from({ length: count }, (_, i) => (round + i) % count).flatMap((k) =>
        roles.map((role) => {
          const s = role === 'on' ? on : off;
          return { s, scenario: s.scenarios[k]!, role };
        }),
      );
    };
    /** One server switches its log before each slice that needs it switched. */
    let logs: boolean | undefined;
    const switchTo = async (s: Side, role: Role) => {
      const on = role === 'on' && !BOTH_OFF;
      if (second || logs === on) return;
      await switchRequestLog(s.server.child, on);
      logs = on;
    };
    if (!second) {
      log(
        `one server, its log switched ${BOTH_OFF ? '(not: --both-off)' : 'on and off'} slice by slice; every scenario warms up both ways`,
      );
      for (const turn of turnsOf(0)) {
        await switchTo(turn.s, turn.role);
        await measure(target(turn.s.server), turn.scenario, WARMUP_S);
        await sleep(SETTLE_MS);
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      if (second && (round === 0 || round === half)) {
        const on = logging(round);
        for (const s of sides) await switchRequestLog(s.server.child, s === on && !BOTH_OFF);
        log(`server ${on.name} logs${BOTH_OFF ? ' (not: --both-off)' : ''}; every scenario warms up`);
        for (const s of sides)
          for (const scenario of s.scenarios) {
            await measure(target(s.server), scenario, WARMUP_S);
            await sleep(SETTLE_MS);
          }
      }
      // Fetching tokens is logged like any call: its lines are written before the round starts.
      let refreshed = false;
      for (const s of sides) if (await s.refresh()) refreshed = true;
      if (refreshed) {
        await Promise.all(sides.map((s) => requestLogCounts(s.server.child)));
        await sleep(SETTLE_ON_MS);
      }
      const turns = turnsOf(round);
      log(
        `round ${round + 1} of ${ROUNDS}: ${SLICE_S} s each for a, b, c ${second ? 'on servers A and B' : 'with the log on and off'}`,
      );
      for (const { s, scenario, role } of turns) {
        await switchTo(s, role);
        const pid = s.server.child.pid ?? -1;
        const [loopBefore, othersBefore] = [mainThreadTimes(pid), otherThreadTimes(pid)];
        const measured = await measure(target(s.server), scenario, SLICE_S);
        const [loopAfter, othersAfter] = [mainThreadTimes(pid), otherThreadTimes(pid)];
        otherTimes(role, scenario.key).push(
          new Map(
            [...othersAfter].flatMap(([name, after]) => {
              const before = othersBefore.get(name);
              return before ? [[name, perRequest(before, after, measured.total)] as const] : [];
            }),
          ),
        );
        slice(role, scenario.key).push(measured);
        if (loopBefore !== undefined && loopAfter !== undefined)
          loopTimes(role, scenario.key).push(perRequest(loopBefore, loopAfter, measured.total));
        // One server writes what a slice logged before the next slice, whatever its log is then.
        if (!second && logs) await requestLogCounts(s.server.child);
        await sleep(role === 'on' ? SETTLE_ON_MS : SETTLE_MS);
      }
    }
    const counts = await Promise.all(sides.map((s) => requestLogCounts(s.server.child)));
    const logged = counts.every((c) => c !== undefined)
      ? {
          written: counts.reduce((n, c) => n + (c?.written ?? 0), 0),
          dropped: counts.reduce((n, c) => n + (c?.dropped ?? 0), 0),
          onThread: counts.some((c) => c?.onThread),
        }
      : undefined;
    const of = (role: Role, key: string) => combine(slice(role, key));
    const rate = (role: Role, key: string, round: number) => slice(role, key)[round]!.rps;
    const ratio = (role: Role, key: string, round: number) => rate(role, key, round) / rate(role, 'a', round);
    const kept = (key: string) =>
      Array.from({ length: ROUNDS }, (_, round) => rate('on', key, round) / rate('off', key, round));
    const ratios = (role: Role, key: string) =>
      Array.from({ length: ROUNDS }, (_, round) => ratio(role, key, round));
    const range = (values: number[]) =>
      `${fmt(median(values), 2)} (${fmt(Math.min(...values), 2)}–${fmt(Math.max(...values), 2)})`;

    const rows = (['on', 'off'] as const).flatMap((role) =>
      ['a', 'b', 'c'].map((key) => {
        const m = of(role, key);
        const r = key === 'a' ? '1.00' : range(ratios(role, key));
        return `| ${role} | ${m.scenario.title} | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${codes(m, fmt)} | ${fmt(m.errors)} | ${r} | ${fmt((m.serverCpu * 1e6) / m.rps)} | ${loopColumns(loopTimes(role, key))} | ${percent(m.loadCpu)} |`;
      }),
    );
    const otherRows = (['on', 'off'] as const).flatMap((role) =>
      ['a', 'b', 'c'].map(
        (key) => `| ${role} | ${of(role, key).scenario.title} | ${othersCell(otherTimes(role, key))} |`,
      ),
    );
    const clean = (['on', 'off'] as const).every((role) =>
      ['a', 'b', 'c'].every((key) => {
        const m = of(role, key);
        return m.errors === 0 && m.timeouts === 0 && m.non2xx === 0;
      }),
    );
    /**
     * What the log keeps of a scenario's ratio. One server: the median over the rounds, and the 95 %
     * interval of that median (medianInterval): the check holds when the interval lies above the target,
     * so that a run too noisy to tell fails rather than passes by luck (with fewer than 6 rounds, no
     * interval: the median itself). Two servers: each half's median, and the geometric mean of the two,
     * which cancels what makes one server faster than the other whatever its log (it multiplies one half's
     * rates on over off and divides the other's), as the run's median over both halves does not; each
     * half's interval is given beside it.
     */
    const interval = (values: number[]) => {
      const bounds = medianInterval(values);
      return bounds
        ? `95 % interval ${fmt(bounds[0], 2)}–${fmt(bounds[1], 2)}`
        : 'too few rounds for an interval';
    };
    const keptOf = (key: string) => {
      const values = kept(key);
      if (ONE_SERVER) {
        const lowest = medianInterval(values)?.[0] ?? median(values);
        return { value: lowest, text: `${range(values)}; ${interval(values)}; one server` };
      }
      const halves = [values.slice(0, half), values.slice(half)];
      const [a, b] = halves.map(median) as [number, number];
      const value = Math.sqrt(a * b);
      return {
        value,
        text: `${fmt(value, 2)}: A logging ${fmt(a, 2)} (${interval(halves[0]!)}), B logging ${fmt(b, 2)} (${interval(halves[1]!)}); rounds ${range(values)}`,
      };
    };
    const statistic = ONE_SERVER
      ? "the median of rounds, its 95 % interval's lower end"
      : "geometric mean of the halves' medians";
    const [token, gate] = [keptOf('b'), keptOf('c')];
    const checks = [
      {
        label: `token: (b)/(a) with the log on ≥ ${KEEP_TARGET} × with it off (b on / b off, ${statistic})`,
        passed: token.value >= KEEP_TARGET,
        value: token.text,
      },
      {
        label: `gate: (c)/(a) with the log on ≥ ${KEEP_TARGET} × with it off (c on / c off, ${statistic})`,
        passed: gate.value >= KEEP_TARGET,
        value: gate.text,
      },
      {
        label: 'no line dropped',
        passed: logged !== undefined && logged.dropped === 0,
        value: logged ? `${fmt(logged.written)} written, ${fmt(logged.dropped)} dropped` : 'not told',
      },
      { label: 'no errors, timeouts or non-2xx', passed: clean, value: clean ? 'none' : 'see the table' },
    ];
    /** Each round's "on over off", in the order run: for whoever wants another statistic. */
    const perRound = (['b', 'c'] as const).map(
      (key) =>
        `${key === 'b' ? 'Token' : 'Gate'}, round by round: ${kept(key)
          .map((v) => fmt(v, 3))
          .join(', ')}.`,
    );
    const cpus = os.cpus();
    const markdown = [
      '# Request log benchmark',
      '',
      `${new Date().toISOString()} · commit ${gitCommit()} · Node ${process.version} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'} · SQLite · load average ${load} at start`,
      ONE_SERVER
        ? `One server, its request log switched ${BOTH_OFF ? 'off for both kinds of slice (`--both-off`)' : 'on or off'} between slices as each needs it and flushed after each slice with it on, ${PAIRS} app × tenant pairs; autocannon, ${CONNECTIONS} connections; ${ROUNDS} rounds of ${SLICE_S} s per scenario, its slices with the log on and off one right after the other (the scenarios' order rotating, which goes first alternating), a pause of ${SETTLE_MS / 1000} s after each slice (${SETTLE_ON_MS / 1000} s after one with the log on), every scenario warmed up for ${WARMUP_S} s both ways first. Ratios are medians of the rounds (lowest–highest); the checks divide each round's rate with the log on by the one with it off.`
        : `Two servers, ${BOTH_OFF ? 'the request log off in both (`--both-off`: the rows “on” are the server that would have logged)' : `the request log on in one and off in the other, server A logging in rounds 1–${half} and B in rounds ${half + 1}–${ROUNDS}`}, ${PAIRS} app × tenant pairs each; autocannon, ${CONNECTIONS} connections; ${ROUNDS} rounds of ${SLICE_S} s per scenario and server, each scenario on both servers one right after the other (the scenarios' order rotating, which server goes first alternating), a pause of ${SETTLE_MS / 1000} s after each slice (${SETTLE_ON_MS / 1000} s after one with the log on), every scenario warmed up for ${WARMUP_S} s on both servers before each half. Ratios are medians of the rounds (lowest–highest); the checks divide each round's rate with the log on by the one with it off, and take the geometric mean of the two halves' medians.`,
      `The log on: ${logged ? `${fmt(logged.written)} lines written${logged.onThread ? ' on its writer thread' : ''}, ${fmt(logged.dropped)} dropped` : 'a server did not tell'}.`,
      '',
      '| Log | Scenario | Requests/s | p50 (ms) | p99 (ms) | Status codes | Errors | Ratio to its own (a) | Server CPU µs/request | Event loop CPU µs/request (median slice) | Of which kernel | Event loop switches per 1,000 requests: waited / preempted | Load generator CPU |',
      '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      "The server's other threads, by name: CPU µs per request, and their context switches per 1,000 requests, waited / preempted (medians of the slices).",
      '',
      '| Log | Scenario | Other threads |',
      '|---|---|---|',
      ...otherRows,
      '',
      ...checksTable(checks),
      '',
      ...perRound.flatMap((line) => [line, '']),
    ].join('\n');
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'request-log.md'), markdown);
    console.log(markdown);
    log(`done in ${seconds(started)}; written to results/request-log.md`);
    return checks.every((c) => c.passed);
  } finally {
    for (const s of sides) await s.drop();
  }
}

/** A list per side and scenario, made on first use: what the slices of each measured. */
function perSlice<T>(): (role: Role, key: string) => T[] {
  const lists = new Map<string, T[]>();
  return (role, key) => {
    let list = lists.get(`${role}${key}`);
    if (!list) {
      list = [];
      lists.set(`${role}${key}`, list);
    }
    return list;
  };
}

/** One slice's ThreadTimes per answered request (per 1,000 for the switches). */
function perRequest(before: ThreadTimes, after: ThreadTimes, requests: number): ThreadTimes {
  return {
    userUs: (after.userUs - before.userUs) / requests,
    systemUs: (after.systemUs - before.systemUs) / requests,
    voluntary: ((after.voluntary - before.voluntary) * 1000) / requests,
    involuntary: ((after.involuntary - before.involuntary) * 1000) / requests,
  };
}

/** The event loop's columns: CPU µs per request, the kernel's part of it, switches per 1,000 requests (medians of the slices). */
function loopColumns(times: ThreadTimes[]): string {
  if (times.length === 0) return '— | — | —';
  const of = medianOf(times);
  return `${of((t) => t.userUs + t.systemUs)} | ${of((t) => t.systemUs)} | ${of((t) => t.voluntary)} / ${of((t) => t.involuntary)}`;
}

/** A figure of the slices' ThreadTimes, their median to one decimal. */
const medianOf = (times: ThreadTimes[]) => (pick: (t: ThreadTimes) => number) =>
  fmt(median(times.map(pick)), 1);

/** The other threads' cell: each name's CPU µs per request and switches per 1,000 requests (medians of the slices). */
function othersCell(slices: Map<string, ThreadTimes>[]): string {
  const names = [...new Set(slices.flatMap((slice) => [...slice.keys()]))].sort();
  if (names.length === 0) return '—';
  return names
    .map((name) => {
      const of = medianOf(slices.flatMap((slice) => slice.get(name) ?? []));
      return `${name}: ${of((t) => t.userUs + t.systemUs)} µs, ${of((t) => t.voluntary)} / ${of((t) => t.involuntary)}`;
    })
    .join('; ');
}

deadline(RUN_DEADLINE_MS);
process.exitCode = (await main()) ? 0 : 1;
