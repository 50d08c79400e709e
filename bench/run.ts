/**
 * One benchmark run (issue 4, Performance): a bare Fastify route, the token
 * endpoint and a resource GET through the full gate, measured in turns with
 * the same load tool, concurrency and slice length; then the throttled path
 * on its own.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench [-- --cpu-prof] [--pairs=N] [--connections=N]
 *
 * With `REQUEST_LOG=off` in the environment the server keeps no request log, to compare what it costs.
 *
 * `--cpu-prof` profiles the server process into bench/results/profiles/;
 * `--pairs=N` spreads (b) and (c) over N app × tenant pairs instead of
 * 1,200; `--connections=N` changes the load
 * generator's concurrency (50 by default) for every scenario alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { scratchDatabase } from './lib/databases';
import { checksTable, deadline, fmt, log, median, percent, seconds } from './lib/format';
import { codes, combine, gitCommit, loadAverage, type Measured, measure, type Scenario } from './lib/measure';
import {
  POOL_PAIRS,
  prepare,
  RATE_LIMIT_PER_PAIR,
  resourceRequests,
  setUp,
  tokenRequests,
} from './lib/pairs';
import {
  type RequestLogCounts,
  requestLogCounts,
  type ServerProcess,
  startServer,
  stopChild,
} from './lib/server-process';

const connectionsArg = process.argv.find((arg) => arg.startsWith('--connections='));
/** Concurrent connections of the load generator, the same in every scenario. */
const CONNECTIONS = connectionsArg ? Number(connectionsArg.slice('--connections='.length)) : 50;
if (!Number.isInteger(CONNECTIONS) || CONNECTIONS < 1 || CONNECTIONS > 1000)
  throw new Error('--connections takes a whole number from 1 to 1000.');
/** (a), (b) and (c) are measured in turns: ROUNDS rounds of SLICE_S seconds each, so that a slow spell of the machine weighs on all three alike. */
const ROUNDS = 5;
const SLICE_S = 4;
/** (d) on its own, after the rounds. */
const DURATION_S = 10;
const WARMUP_S = 2;
const TARGETS = { tokenRatio: 0.25, resourceRatio: 0.6 } as const;
const pairsArg = process.argv.find((arg) => arg.startsWith('--pairs='));
const FIXED_PAIRS = pairsArg ? Number(pairsArg.slice('--pairs='.length)) : undefined;
/** The whole run must end; a hung server must not keep it alive. */
const RUN_DEADLINE_MS = 6 * 60_000;

const here = import.meta.dirname;
const resultsDir = path.join(here, 'results');
const cpuProf = process.argv.includes('--cpu-prof');
if (FIXED_PAIRS !== undefined && (!Number.isInteger(FIXED_PAIRS) || FIXED_PAIRS < 1 || FIXED_PAIRS > 2000))
  throw new Error('--pairs takes a whole number from 1 to 2000.');

/** (a), (b) and (c) go to the one server, with the same concurrency. */
const target = (server: ServerProcess) => ({
  urls: [server.url],
  connections: CONNECTIONS,
  servers: [server.child],
});

async function warmUp(server: ServerProcess, scenario: Scenario): Promise<Measured> {
  log(`${scenario.title}: ${WARMUP_S} s warm-up`);
  return measure(target(server), scenario, WARMUP_S);
}

/** (a), (b) and (c) in turns, the order rotating from round to round. */
async function rounds(server: ServerProcess, scenarios: Scenario[]): Promise<Measured[]> {
  const slices = new Map<string, Measured[]>(scenarios.map((scenario) => [scenario.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    log(
      `round ${round + 1} of ${ROUNDS}: ${SLICE_S} s each for ${scenarios.map((scenario) => scenario.key).join(', ')}`,
    );
    for (let i = 0; i < scenarios.length; i++) {
      const scenario = scenarios[(round + i) % scenarios.length]!;
      slices.get(scenario.key)!.push(await measure(target(server), scenario, SLICE_S));
    }
  }
  return scenarios.map((scenario) => combine(slices.get(scenario.key)!));
}

function report(
  measured: Measured[],
  pairs: number,
  pairsNote: string,
  loadAverage: string,
  requestLog: RequestLogCounts | undefined,
): { markdown: string; passed: boolean } {
  const byKey = new Map(measured.map((m) => [m.scenario.key, m]));
  const bare = byKey.get('a')!;
  // Within a round the scenarios ran seconds apart: each round gives a ratio, and the median stands for the run.
  const roundRatios = (m: Measured) => m.slices.map((rps, round) => rps / bare.slices[round]!);
  const ratio = (m: Measured) => (m.slices.length ? median(roundRatios(m)) : m.rps / bare.rps);
  const ratioText = (m: Measured) => {
    if (m.scenario.key === 'a') return '1.00';
    if (!m.slices.length) return fmt(ratio(m), 2);
    const each = roundRatios(m);
    return `${fmt(ratio(m), 2)} (${fmt(Math.min(...each), 2)}–${fmt(Math.max(...each), 2)})`;
  };
  const rows = measured.map(
    (m) =>
      `| ${m.scenario.title} | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.total)} | ${codes(m, fmt)} | ${fmt(m.non2xx)} | ${fmt(m.errors)} (${fmt(m.timeouts)} timeouts) | ${ratioText(m)} | ${percent(m.serverCpu)} | ${fmt((m.serverCpu * 1e6) / m.rps)} | ${Number.isNaN(m.loopCpu) ? '—' : fmt((m.loopCpu * 1e6) / m.rps)} | ${percent(m.loadCpu)} |`,
  );

  const token = byKey.get('b')!;
  const resource = byKey.get('c')!;
  const throttled = byKey.get('d')!;
  const clean = (m: Measured) => m.errors === 0 && m.timeouts === 0 && m.non2xx === 0;
  const throttledPassed = throttled.ok / throttled.seconds;
  const throttledOther = Object.entries(throttled.statusCodes).filter(
    ([code]) => code !== '200' && code !== '429',
  );
  const checks = [
    {
      label: `c/a ≥ ${TARGETS.resourceRatio}`,
      passed: ratio(resource) >= TARGETS.resourceRatio,
      value: fmt(ratio(resource), 2),
    },
    {
      label: `b/a ≥ ${TARGETS.tokenRatio}`,
      passed: ratio(token) >= TARGETS.tokenRatio,
      value: fmt(ratio(token), 2),
    },
    {
      label: 'no errors, timeouts or non-2xx in (a)–(c)',
      passed: [bare, token, resource].every(clean),
      value: [bare, token, resource]
        .map((m) => `${m.scenario.key}: ${m.errors}/${m.timeouts}/${m.non2xx}`)
        .join(', '),
    },
    {
      label: `(c) stays under ${RATE_LIMIT_PER_PAIR} calls/s per pair on average`,
      passed: resource.rps / pairs <= RATE_LIMIT_PER_PAIR,
      value: `${fmt(resource.rps / pairs, 1)}/s over ${pairs} pairs`,
    },
    {
      label: `(d) lets about ${RATE_LIMIT_PER_PAIR}/s through, refuses the rest with 429, no errors`,
      passed:
        throttledPassed <= RATE_LIMIT_PER_PAIR + 1 &&
        throttledPassed >= RATE_LIMIT_PER_PAIR * 0.8 &&
        throttledOther.length === 0 &&
        throttled.errors === 0,
      value: `${fmt(throttledPassed, 1)}/s passed, ${fmt(throttled.statusCodes['429'] ?? 0)} × 429`,
    },
  ];
  const passed = checks.every((c) => c.passed);
  const cpus = os.cpus();
  const markdown = [
    `# Gatehouse benchmark`,
    '',
    `${new Date().toISOString()} · commit ${gitCommit()} · Node ${process.version} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'} · SQLite · load average ${loadAverage} at start`,
    `autocannon, ${CONNECTIONS} connections; server in its own process; ${pairs} app × tenant pairs in (b) and (c) (${pairsNote}).`,
    requestLog === undefined
      ? 'Request log: the server did not tell.'
      : requestLog.enabled
        ? `Request log on: ${fmt(requestLog.written)} lines written${requestLog.onThread ? ' on its writer thread' : ''}, ${fmt(requestLog.dropped)} dropped (\`REQUEST_LOG=off\` switches it off).`
        : 'Request log off (`REQUEST_LOG=off`).',
    `(a), (b) and (c) ran in turns after a ${WARMUP_S} s warm-up each: ${ROUNDS} rounds of ${SLICE_S} s per scenario, the order rotating. Ratio to (a) is the median of the ${ROUNDS} rounds' ratios (lowest–highest in brackets); p99 is the worst round's. (d) ran on its own: ${WARMUP_S} s warm-up, then ${DURATION_S} s.`,
    '',
    '| Scenario | Requests/s | p50 (ms) | p99 (ms) | Requests | Status codes | Non-2xx | Errors | Ratio to (a) (median, range) | Server CPU | Server CPU µs/request | Event loop CPU µs/request | Load generator CPU |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...checksTable(checks),
    '',
  ].join('\n');
  return { markdown, passed };
}

async function main(): Promise<boolean> {
  const started = performance.now();
  const load = loadAverage();
  const scratch = await scratchDatabase('sqlite');
  let server: ServerProcess | undefined;
  try {
    const db = await openDatabase(scratch.url);
    await migrate(db);
    const pool = await setUp(db, FIXED_PAIRS ?? POOL_PAIRS);
    await db.close();
    log(`${pool.length} app × tenant pairs connected in ${seconds(started)}`);

    server = await startServer({
      databaseUrl: scratch.url,
      cpuProfDir: cpuProf ? path.join(resultsDir, 'profiles') : undefined,
    });
    log(`server at ${server.url}`);
    const bare: Scenario = {
      key: 'a',
      title: '(a) GET /healthz',
      requests: [{ method: 'GET', path: '/healthz' }],
    };
    const bareWarm = await warmUp(server, bare);

    const pairsNote =
      FIXED_PAIRS !== undefined
        ? 'set by --pairs'
        : `at most ${fmt(RATE_LIMIT_PER_PAIR * pool.length)} calls/s before any pair reaches its limit; (a) warmed up at ${fmt(bareWarm.rps)}/s`;
    const ready = await prepare(server.url, pool);
    log(
      `${ready.length} pairs in use: a token fetched and the API called once for each (${seconds(started)})`,
    );

    const token: Scenario = {
      key: 'b',
      title: '(b) POST /integration/connect/token',
      requests: tokenRequests(ready),
    };
    const resource: Scenario = {
      key: 'c',
      title: '(c) GET …/crm/v2/tenant/{tenant}/customers/{id}',
      requests: resourceRequests(ready),
    };
    const throttled: Scenario = {
      key: 'd',
      title: '(d) same GET, all on one pair (throttled)',
      requests: resourceRequests(ready.slice(0, 1)),
    };
    await warmUp(server, token);
    await warmUp(server, resource);
    const measured = await rounds(server, [bare, token, resource]);
    await warmUp(server, throttled);
    log(`${throttled.title}: ${DURATION_S} s measured`);
    measured.push(await measure(target(server), throttled, DURATION_S));

    const logged = await requestLogCounts(server.child);
    const { markdown, passed } = report(measured, ready.length, pairsNote, load, logged);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
    console.log(markdown);
    log(
      `done in ${seconds(started)}; written to ${path.relative(process.cwd(), path.join(resultsDir, 'latest.md'))}${cpuProf ? '; server profile in results/profiles/' : ''}`,
    );
    return passed;
  } finally {
    if (server) await stopChild(server.child);
    await scratch.drop();
  }
}

deadline(RUN_DEADLINE_MS);

// A missed target is a failed run: the exit code says so to scripts.
process.exitCode = (await main()) ? 0 : 1;
