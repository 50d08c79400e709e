/**
 * Gateway mode's benchmark (issue 16): a bare Fastify upstream standing in for a platform's own CRM
 * service, called (a) directly and (g) through Gatehouse's gateway (route → app key → token → connection
 * → rate limit → scope, then proxied with identity headers and a signed assertion), with the same load
 * tool, concurrency and paths, in turns. Reports g/a and what the gateway adds to p50 and p99.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:gateway [-- --pairs=N] [--connections=N] [--cpu-prof]
 *
 * `--cpu-prof` profiles the Gatehouse server into bench/results/profiles/.
 *
 * The upstream, the server and the load generator each run in a process of their own on the same machine;
 * every process's CPU share is reported, so a saturated load generator or upstream can be told apart.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import type autocannon from 'autocannon';
import { scratchDatabase } from './lib/databases';
import { checksTable, deadline, fmt, intOption, log, median, percent, seconds } from './lib/format';
import { codes, combine, gitCommit, loadAverage, type Measured, measure, type Scenario } from './lib/measure';
import { customerPath, prepare, type Ready, resourceRequests, setUp } from './lib/pairs';
import { type ServerProcess, startServer, stopChild } from './lib/server-process';

const CONNECTIONS = intOption('connections', 50, 1, 1000);
/** Enough app × tenant pairs that the 60 calls/s per pair never throttles the gateway's side. */
const PAIRS = intOption('pairs', 400, 1, 2000);
const ROUNDS = 5;
const SLICE_S = 4;
const WARMUP_S = 2;
const TARGET_RATIO = 0.5;
const RUN_DEADLINE_MS = 6 * 60_000;
const resultsDir = path.join(import.meta.dirname, 'results');

interface Upstream {
  child: ChildProcess;
  url: string;
}

function startUpstream(): Promise<Upstream> {
  const child = fork(path.join(import.meta.dirname, 'lib', 'upstream.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The upstream did not start within 30 s.')), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${message.port}` });
    });
    child.once('exit', (code) => reject(new Error(`The upstream exited with code ${code}.`)));
  });
}

/** (a): the same records, straight from the upstream (its paths are the gateway's below `/integration/api`). */
const directRequests = (ready: Ready[]): autocannon.Request[] =>
  ready.map((pair) => ({
    method: 'GET',
    path: `${customerPath(pair.tenantId).replace('/integration/api', '')}/${pair.customerId}`,
  }));

function report(
  direct: Measured,
  gateway: Measured,
  load: string,
  pairs: number,
): { markdown: string; passed: boolean } {
  const ratios = gateway.slices.map((rps, round) => rps / direct.slices[round]!);
  const ratio = median(ratios);
  const clean = (m: Measured) => m.errors === 0 && m.timeouts === 0 && m.non2xx === 0;
  const row = (m: Measured, ratioText: string) =>
    `| ${m.scenario.title} | ${fmt(m.rps)} | ${fmt(m.p50, 1)} | ${fmt(m.p99, 1)} | ${fmt(m.total)} | ${codes(m, fmt)} | ${fmt(m.errors)} (${fmt(m.timeouts)} timeouts) | ${ratioText} | ${m.serverCpus.map(percent).join(' + ')} | ${fmt((m.serverCpu * 1e6) / m.rps)} | ${percent(m.loadCpu)} | ${fmt(m.machineCpu, 2)} |`;
  const checks = [
    {
      label: `g/a ≥ ${TARGET_RATIO}`,
      passed: ratio >= TARGET_RATIO,
      value: `${fmt(ratio, 2)} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`,
    },
    {
      label: 'no errors, timeouts or non-2xx in (a) and (g)',
      passed: clean(direct) && clean(gateway),
      value: [direct, gateway]
        .map((m) => `${m.scenario.key}: ${m.errors}/${m.timeouts}/${m.non2xx}`)
        .join(', '),
    },
  ];
  const cpus = os.cpus();
  const markdown = [
    '# Gatehouse gateway benchmark',
    '',
    `${new Date().toISOString()} · commit ${gitCommit()} · Node ${process.version} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'} · SQLite · load average ${load} at start`,
    `autocannon, ${CONNECTIONS} connections; upstream, server and load generator in processes of their own; ${pairs} app × tenant pairs. ${ROUNDS} rounds of ${SLICE_S} s per scenario in turns after a ${WARMUP_S} s warm-up each; the ratio is the median of the rounds' ratios, p99 the worst round's.`,
    '',
    '| Scenario | Requests/s | p50 (ms) | p99 (ms) | Requests | Status codes | Errors | Ratio to (a) | CPU (server + upstream, or upstream) | Server-side CPU µs/request | Load generator CPU | Machine cores busy |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    row(direct, '1.00'),
    row(gateway, fmt(ratio, 2)),
    '',
    `Added by the gateway: p50 ${fmt(gateway.p50 - direct.p50, 1)} ms, p99 ${fmt(gateway.p99 - direct.p99, 1)} ms.`,
    '',
    ...checksTable(checks),
    '',
  ].join('\n');
  return { markdown, passed: checks.every((check) => check.passed) };
}

async function main(): Promise<boolean> {
  const started = performance.now();
  const load = loadAverage();
  const scratch = await scratchDatabase('sqlite');
  let upstream: Upstream | undefined;
  let server: ServerProcess | undefined;
  try {
    const db = await openDatabase(scratch.url);
    await migrate(db);
    const pool = await setUp(db, PAIRS);
    await db.close();
    log(`${pool.length} app × tenant pairs connected in ${seconds(started)}`);
    upstream = await startUpstream();
    server = await startServer({
      databaseUrl: scratch.url,
      upstreams: JSON.stringify({ crm: upstream.url }),
    });
    log(`upstream at ${upstream.url}, Gatehouse at ${server.url} (crm → upstream)`);
    const ready = await prepare(server.url, pool);
    log(`${ready.length} pairs ready: a token each, and a list read through the gateway`);

    const direct: Scenario = {
      key: 'a',
      title: '(a) GET upstream directly',
      requests: directRequests(ready),
    };
    const gateway: Scenario = {
      key: 'g',
      title: '(g) same GET through the gateway',
      requests: resourceRequests(ready),
    };
    const targets = {
      a: { urls: [upstream.url], connections: CONNECTIONS, servers: [upstream.child] },
      g: { urls: [server.url], connections: CONNECTIONS, servers: [server.child, upstream.child] },
    };
    for (const scenario of [direct, gateway]) {
      log(`${scenario.title}: ${WARMUP_S} s warm-up`);
      await measure(targets[scenario.key as 'a' | 'g'], scenario, WARMUP_S);
    }
    const slices: Record<'a' | 'g', Measured[]> = { a: [], g: [] };
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1} of ${ROUNDS}`);
      const order = round % 2 === 0 ? (['a', 'g'] as const) : (['g', 'a'] as const);
      for (const key of order)
        slices[key].push(await measure(targets[key], key === 'a' ? direct : gateway, SLICE_S));
    }
    const { markdown, passed } = report(combine(slices.a), combine(slices.g), load, ready.length);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'gateway-latest.md'), markdown);
    console.log(markdown);
    log(`done in ${seconds(started)}; written to results/gateway-latest.md`);
    return passed;
  } finally {
    if (server) await stopChild(server.child);
    if (upstream) await stopChild(upstream.child);
    await scratch.drop();
  }
}

deadline(RUN_DEADLINE_MS);
process.exitCode = (await main()) ? 0 : 1;
