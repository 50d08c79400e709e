/**
 * The fleet benchmark (issue 14): two server instances on one PostgreSQL
 * database and one Redis, the same PUBLIC_URL for both, behind the bench's
 * own round-robin (autocannon's connections and the pairs dealt between the
 * two ports), against one instance alone on the same set-up. One and two
 * instances are measured in turns; each round gives a two/one ratio.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:fleet [-- --pairs=N] [--connections=N] [--rounds=N]
 *
 * The database is a scratch one, created and dropped here (PG_BENCH_URL names
 * the server, postgres@127.0.0.1:5432 by default); Redis is REDIS_URL or
 * 127.0.0.1:6379, where the servers write only their rate-limit keys (the
 * bench's own app keys, each expiring after a second) and nothing is flushed.
 * Besides the gated GET, `GET /healthz` is measured the same way: what two
 * instances of a bare route gain on this machine is the most the gate could.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { scratchDatabase } from './lib/databases';
import { checksTable, deadline, fmt, intOption, log, median, percent, pool, seconds } from './lib/format';
import {
  codes,
  combine,
  gitCommit,
  loadAverage,
  type Measured,
  machine,
  measure,
  type Scenario,
} from './lib/measure';
import { customerPath, prepare, resourceRequests, setUp } from './lib/pairs';
import { processCpu, type ServerProcess, startServer, stopChild } from './lib/server-process';

const CONNECTIONS = intOption('connections', 50, 2, 1000);
/** 400 pairs: 24,000 calls/s before any pair reaches its limit, above any rate reached here. */
const PAIRS = intOption('pairs', 400, 2, 2000);
const ROUNDS = intOption('rounds', 5, 1, 20);
const SLICE_S = 4;
const WARMUP_S = 2;
const TARGET = 1.6;
/** Above this share of one core, the load generator counts as the limit. */
const LOAD_GENERATOR_LIMIT = 0.9;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Tokens are issued under it by either instance and accepted by both. */
const PUBLIC_URL = 'https://gatehouse.fleet.bench.example';
deadline(8 * 60_000);

const resultsDir = path.join(import.meta.dirname, 'results');

/** The local Redis server's process, when there is one to read: every gated call asks it, so its CPU is reported too. */
function redisPid(): number | undefined {
  try {
    const pid = Number(
      execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' }).trim().split('\n')[0],
    );
    return processCpu(pid) === undefined ? undefined : pid;
  } catch {
    return undefined;
  }
}
const REDIS_PID = redisPid();

/** A slice, with the share of one core the local Redis server used meanwhile (NaN when it cannot be read). */
async function slice(
  target: Parameters<typeof measure>[0],
  scenario: Scenario,
  durationS: number,
): Promise<Measured & { redisCpu: number }> {
  const [before, wall] = [REDIS_PID ? processCpu(REDIS_PID) : undefined, performance.now()];
  const measured = await measure(target, scenario, durationS);
  const after = REDIS_PID ? processCpu(REDIS_PID) : undefined;
  const redisCpu =
    before === undefined || after === undefined
      ? Number.NaN
      : (after - before) / ((performance.now() - wall) * 1000);
  return { ...measured, redisCpu };
}

async function main(): Promise<boolean> {
  const started = performance.now();
  const load = loadAverage();
  const scratch = await scratchDatabase('postgres');
  const servers: ServerProcess[] = [];
  try {
    const db = await openDatabase(scratch.url);
    await migrate(db);
    const pairs = await setUp(db, PAIRS);
    await db.close();
    log(`${pairs.length} app × tenant pairs connected on PostgreSQL in ${seconds(started)}`);

    // One after the other: the first start makes the signing key, the second loads it.
    for (let i = 0; i < 2; i++)
      servers.push(
        await startServer({ databaseUrl: scratch.url, publicUrl: PUBLIC_URL, redisUrl: REDIS_URL }),
      );
    const [first, second] = servers as [ServerProcess, ServerProcess];
    const ready = await prepare(first.url, pairs);
    // Every token the first instance issued is accepted by the second.
    await pool(ready, 8, async (pair) => {
      const response = await fetch(`${second.url}${customerPath(pair.tenantId)}/${pair.customerId}`, {
        headers: { authorization: `Bearer ${pair.token}`, 'st-app-key': pair.appKey },
      });
      if (response.status !== 200)
        throw new Error(`The second instance refused ${pair.clientId}'s token: ${response.status}`);
      await response.arrayBuffer();
    });
    log(`instances at ${first.url} and ${second.url}; every pair checked on both (${seconds(started)})`);

    const watched = servers.map((s) => s.child);
    const one = { urls: [first.url], connections: CONNECTIONS, servers: watched };
    const two = { urls: [first.url, second.url], connections: CONNECTIONS, servers: watched };
    const bare: Scenario = {
      key: 'a',
      title: '(a) GET /healthz',
      requests: [{ method: 'GET', path: '/healthz' }],
    };
    const resource: Scenario = {
      key: 'c',
      title: '(c) GET …/crm/v2/tenant/{tenant}/customers/{id}',
      requests: resourceRequests(ready),
    };
    for (const scenario of [bare, resource]) {
      log(`${scenario.title}: ${WARMUP_S} s warm-up on each instance`);
      await measure(two, scenario, WARMUP_S);
    }

    const slots = [
      { scenario: bare, target: one, instances: 1 },
      { scenario: bare, target: two, instances: 2 },
      { scenario: resource, target: one, instances: 1 },
      { scenario: resource, target: two, instances: 2 },
    ];
    const slices = slots.map((): (Measured & { redisCpu: number })[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1} of ${ROUNDS}: ${SLICE_S} s each for (a) and (c), on one instance and on two`);
      for (let i = 0; i < slots.length; i++) {
        const index = (round + i) % slots.length;
        const slot = slots[index]!;
        slices[index]!.push(await slice(slot.target, slot.scenario, SLICE_S));
      }
    }

    const { text, passed } = report(
      slots.map((slot, index) => ({
        ...slot,
        measured: combine(slices[index]!),
        redisCpu:
          slices[index]!.reduce((sum, m) => sum + m.redisCpu * m.seconds, 0) /
          slices[index]!.reduce((sum, m) => sum + m.seconds, 0),
      })),
      ready.length,
      load,
    );
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, 'fleet.md');
    fs.writeFileSync(file, text);
    console.log(text);
    log(`done in ${seconds(started)}; written to ${path.relative(process.cwd(), file)}`);
    return passed;
  } finally {
    for (const server of servers) await stopChild(server.child);
    await scratch.drop();
  }
}

function report(
  rows: { scenario: Scenario; instances: number; measured: Measured; redisCpu: number }[],
  pairs: number,
  load: string,
): { text: string; passed: boolean } {
  const cores = os.cpus().length;
  const [bareOne, bareTwo, resourceOne, resourceTwo] = rows.map((r) => r.measured) as [
    Measured,
    Measured,
    Measured,
    Measured,
  ];
  const ratios = (single: Measured, pair: Measured) =>
    pair.slices.map((rps, round) => rps / single.slices[round]!);
  const bareRatios = ratios(bareOne, bareTwo);
  const resourceRatios = ratios(resourceOne, resourceTwo);
  const ratioText = (each: number[]) =>
    `${fmt(median(each), 2)} (${fmt(Math.min(...each), 2)}–${fmt(Math.max(...each), 2)})`;
  const total = (m: Measured) => m.serverCpu + m.loadCpu;
  const lines = rows.map(({ scenario, instances, measured: m, redisCpu }) => {
    const each = scenario.key === 'a' ? bareRatios : resourceRatios;
    return `| ${scenario.title}, ${instances === 1 ? 'one instance' : 'two instances'} | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.total)} | ${codes(m, fmt)} | ${fmt(m.errors)} (${fmt(m.timeouts)} timeouts) | ${instances === 2 ? ratioText(each) : '1.00'} | ${m.serverCpus.map(percent).join(' / ')} | ${percent(m.loadCpu)} | ${percent(total(m))} | ${Number.isNaN(redisCpu) ? 'not read' : percent(redisCpu)} | ${percent(m.machineCpu)} of ${fmt(cores * 100)} % |`;
  });

  const clean = (m: Measured) => m.errors === 0 && m.timeouts === 0 && m.non2xx === 0;
  const generatorLimited = resourceTwo.loadCpu >= LOAD_GENERATOR_LIMIT;
  const others = (m: Measured) => m.machineCpu - total(m);
  const machineBusy = resourceTwo.machineCpu >= 0.9 * cores;
  const reading = generatorLimited
    ? `The load generator used ${percent(resourceTwo.loadCpu)} of a core with two instances: it was the limit, and the ratio understates what two instances can serve.`
    : machineBusy
      ? `With two instances the machine was busy ${percent(resourceTwo.machineCpu)} of the ${fmt(cores * 100)} % it has: the two servers and the load generator used ${percent(total(resourceTwo))}, Redis ${percent(rows[3]!.redisCpu)}, PostgreSQL and other work on the machine the remaining ${percent(others(resourceTwo) - (Number.isNaN(rows[3]!.redisCpu) ? 0 : rows[3]!.redisCpu))}. The machine, not one instance, was the limit: a second instance can only add the CPU the first left unused (the machine was ${percent(resourceOne.machineCpu)} busy with one instance), so ${TARGET}× needs cores that the servers and the load generator do not share with each other or with other work.`
      : `With two instances the machine was busy ${percent(resourceTwo.machineCpu)} of the ${fmt(cores * 100)} % it has (the bench's processes ${percent(total(resourceTwo))}): neither the machine nor the load generator was saturated.`;
  const checks = [
    {
      label: `(c) two/one ≥ ${TARGET} when the load generator is not the limit`,
      passed: median(resourceRatios) >= TARGET && !generatorLimited,
      value: `${fmt(median(resourceRatios), 2)}; load generator ${percent(resourceTwo.loadCpu)} of a core`,
    },
    {
      label: 'no errors, timeouts or non-2xx',
      passed: rows.every((r) => clean(r.measured)),
      value: rows.map((r) => `${r.measured.errors}/${r.measured.timeouts}/${r.measured.non2xx}`).join(', '),
    },
  ];
  const passed = checks.every((c) => c.passed);
  const text = [
    '# Gatehouse fleet benchmark',
    '',
    `${new Date().toISOString()} · commit ${gitCommit()} · ${machine()} · PostgreSQL + Redis · load average ${load} at start`,
    `autocannon, ${CONNECTIONS} connections in all (split between the ports with two instances); each server in its own process, both with PUBLIC_URL ${PUBLIC_URL} and the rate limit in Redis; ${pairs} app × tenant pairs, each pair on one instance. ${ROUNDS} rounds of ${SLICE_S} s per slice, the order of the four slices rotating. Ratio two/one: the median of the rounds' ratios (lowest–highest in brackets). With one instance the other runs idle.`,
    '',
    '| Scenario | Requests/s | p50 (ms) | p99 (ms) | Requests | Status codes | Errors | Two/one (median, range) | Server CPU (A / B) | Load generator CPU | All three | Redis CPU | Machine busy (all processes) |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
    '',
    reading,
    '',
    ...checksTable(checks),
    '',
  ].join('\n');
  return { text, passed };
}

// A missed target is a failed run: the exit code says so to scripts.
process.exitCode = (await main()) ? 0 : 1;
