/**
 * The scale benchmark (issue 15): the portals' lists and pages over HTTP with
 * real sessions, on a big database (10,000 apps, 100,000 connections, usage
 * of a busy app, 1,000,000 audit events) against a small one in the same
 * shape, in turns. For each call: p50/p95 on both, SQL statements per call
 * (the servers' `gatehouse_sql_statements_total`), body size and status; the
 * big server's RSS every 100 ms throughout.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:scale [-- --db=sqlite|postgres|both] [--reuse] [--drop]
 *       [--rounds=N] [--samples=N] [--late-page=N]
 */
import fs from 'node:fs';
import path from 'node:path';
import { deadline, fmt, intOption, log } from './lib/format';
import { gitCommit, loadAverage, machine } from './lib/measure';
import type { Answer } from './lib/portal-client';
import { RssWatch, StatementCount } from './lib/process-watch';
import { busyAppOf, CALLS, type Call, sessionsOn, type Target, walkToPage } from './lib/scale-calls';
import { bigDatabase, dialectsAsked, dropBigDatabase, type Kind, smallDatabase } from './lib/scale-databases';
import { type CallResult, checksOf, type DialectResult, dialectReport, type Side } from './lib/scale-report';
import { type ServerProcess, startServer, stopChild } from './lib/server-process';

const ROUNDS = intOption('rounds', 5, 1, 50);
const SAMPLES = intOption('samples', 4, 1, 50);
const LATE_PAGE = intOption('late-page', 150, 2, 1000);
const WARM_UP = 2;
/** A call slower than this when warming up is measured once a round, not SAMPLES times. */
const SLOW_MS = 5000;
const reuse = process.argv.includes('--reuse');
const drop = process.argv.includes('--drop');
const here = import.meta.dirname;
const resultsDir = path.join(here, 'results');

deadline(60 * 60_000);
fs.mkdirSync(resultsDir, { recursive: true });

const emptySide = (): Side => ({ samples: [], statuses: {}, failures: {}, bytes: 0, statements: null });

function record(side: Side, answer: Answer): void {
  const why = `${answer.unsent ? 'not sent' : answer.status || 'no answer'}: ${answer.message ?? ''}`;
  if (!answer.ok) side.failures[why] = (side.failures[why] ?? 0) + 1;
  if (answer.unsent) return;
  side.samples.push(answer.ms);
  side.statuses[answer.status] = (side.statuses[answer.status] ?? 0) + 1;
  side.bytes = Math.max(side.bytes, answer.bytes);
  if (answer.rows !== undefined) side.rows = answer.rows;
  if (answer.contentType !== undefined) side.contentType = answer.contentType;
}

async function target(server: ServerProcess, databaseUrl: string, seededAt: number): Promise<Target> {
  const base = {
    url: server.url,
    sessions: await sessionsOn(server.url),
    busyAppId: await busyAppOf(databaseUrl),
    seededAt,
  };
  return { ...base, latePage: await walkToPage(base, LATE_PAGE) };
}

async function measureDialect(kind: Kind): Promise<DialectResult> {
  const big = await bigDatabase(kind, reuse, log);
  const smallStarted = performance.now();
  const small = await smallDatabase(kind);
  const smallSeedSeconds = (performance.now() - smallStarted) / 1000;
  const servers: ServerProcess[] = [];
  const started = async (databaseUrl: string, name: string) => {
    const server = await startServer({
      databaseUrl,
      metrics: true,
      countFeed: true,
      logFile: path.join(resultsDir, `scale-${kind}-${name}.log`),
    });
    servers.push(server);
    return server;
  };
  try {
    const [smallServer, bigServer] = [await started(small.url, 'small'), await started(big.url, 'big')];
    const watches = { small: new RssWatch(smallServer.child.pid), big: new RssWatch(bigServer.child.pid) };
    const during = (what: string) => {
      watches.small.during = what;
      watches.big.during = what;
    };
    during('sign-in and walking to the late page');
    const targets = {
      small: await target(smallServer, small.url, small.report.seededAt),
      big: await target(bigServer, big.url, big.report.seededAt),
    };
    log(
      `${big.label}: late page ${targets.big.latePage.page}${targets.big.latePage.error ? ` (${targets.big.latePage.error})` : ''}`,
    );
    const counts = {
      small: new StatementCount(smallServer.metricsUrl!, smallServer.child),
      big: new StatementCount(bigServer.metricsUrl!, bigServer.child),
    };
    const idle = { small: await counts.small.idle(), big: await counts.big.idle() };
    const results: CallResult[] = CALLS.map((call) => ({ call, small: emptySide(), big: emptySide() }));
    const samplesOf = new Map<Call, number>();
    for (const result of results) {
      during(result.call.title);
      let slowest = 0;
      for (let i = 0; i < WARM_UP; i++)
        for (const side of ['small', 'big'] as const)
          slowest = Math.max(slowest, (await result.call.run(targets[side])).ms);
      samplesOf.set(result.call, slowest > SLOW_MS ? 1 : SAMPLES);
    }
    for (let round = 0; round < ROUNDS; round++) {
      log(`${big.label}: round ${round + 1} of ${ROUNDS}`);
      // Small first in even rounds, big first in odd ones: a slow spell of the machine weighs on both.
      const order = round % 2 === 0 ? (['small', 'big'] as const) : (['big', 'small'] as const);
      for (const result of results) {
        during(result.call.title);
        for (const side of order)
          for (let i = 0; i < samplesOf.get(result.call)!; i++)
            record(result[side], await result.call.run(targets[side]));
      }
    }
    log(`${big.label}: counting statements per call`);
    for (const result of results)
      for (const side of ['small', 'big'] as const) {
        during(result.call.title);
        let unsent = false;
        const statements = await counts[side].of(async () => {
          unsent = (await result.call.run(targets[side])).unsent === true;
        });
        result[side].statements = unsent ? null : statements;
      }
    watches.small.stop();
    watches.big.stop();
    return {
      label: big.label,
      big,
      smallSeedSeconds,
      results,
      rss: { bigMb: watches.big.peakMb, bigDuring: watches.big.peakDuring, smallMb: watches.small.peakMb },
      idle,
      latePage: { small: targets.small.latePage.page, big: targets.big.latePage.page },
    };
  } finally {
    for (const server of servers) await stopChild(server.child);
    await small.drop();
    if (drop) await dropBigDatabase(kind);
  }
}

const header = [
  '# Scale benchmark',
  '',
  `${new Date().toISOString()} · commit ${gitCommit()} · ${machine()} · load average at start ${loadAverage()} · ${ROUNDS} rounds × ${SAMPLES} calls per call and database (calls slower than ${SLOW_MS / 1000} s: 1 a round), small and big in turns, after ${WARM_UP} warm-up calls each.`,
  '',
];
const sections: string[] = [];
let failed = false;
for (const kind of dialectsAsked()) {
  const result = await measureDialect(kind);
  const lines = dialectReport(result);
  console.log(lines.join('\n'));
  sections.push(...lines);
  failed ||= checksOf(result).some((check) => !check.passed);
}
const report = [...header, ...sections].join('\n');
fs.writeFileSync(path.join(resultsDir, 'scale-latest.md'), report);
log(
  `written to bench/results/scale-latest.md; ${failed ? 'targets missed' : 'every target met'} (${fmt(performance.now() / 1000)} s)`,
);
process.exit(failed ? 1 : 0);
