/**
 * One benchmark run (issue 4, Performance): a bare Fastify route, the token
 * endpoint and a resource GET through the full gate, measured in turns with
 * the same load tool, concurrency and slice length; then the throttled path
 * on its own.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench [-- --cpu-prof] [--pairs=N] [--connections=N]
 *
 * `--cpu-prof` profiles the server process into bench/results/profiles/;
 * `--pairs=N` spreads (b) and (c) over N app × tenant pairs instead of
 * 1,200; `--connections=N` changes the load
 * generator's concurrency (50 by default) for every scenario alike.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSession } from '@gatehouse/server/auth/sessions';
import { createContextInner } from '@gatehouse/server/context';
import { Tenant, TenantAdmin, User } from '@gatehouse/server/db/entities';
import { type Database, migrate, openDatabase } from '@gatehouse/server/db/orm';
import { createCaller } from '@gatehouse/server/root';
import { seedDemo } from '@gatehouse/server/seed/demo';
import autocannon from 'autocannon';

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
const TENANTS = 40;
const RATE_LIMIT_PER_PAIR = 60;
const TARGETS = { tokenRatio: 0.25, resourceRatio: 0.6 } as const;
/**
 * Pairs (b) and (c) spread over, by default: 72,000 calls/s at the limit, so
 * that (c) even at the rate of (a) stays well under each pair's 60 calls/s.
 */
const POOL_PAIRS = 1200;
const pairsArg = process.argv.find((arg) => arg.startsWith('--pairs='));
const FIXED_PAIRS = pairsArg ? Number(pairsArg.slice('--pairs='.length)) : undefined;
/** The whole run must end; a hung server must not keep it alive. */
const RUN_DEADLINE_MS = 6 * 60_000;

const here = import.meta.dirname;
const resultsDir = path.join(here, 'results');
const cpuProf = process.argv.includes('--cpu-prof');
if (FIXED_PAIRS !== undefined && (!Number.isInteger(FIXED_PAIRS) || FIXED_PAIRS < 1 || FIXED_PAIRS > 2000))
  throw new Error('--pairs takes a whole number from 1 to 2000.');

interface Pair {
  appKey: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface Ready extends Pair {
  token: string;
  customerId: number;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const log = (line: string) => console.error(`[bench] ${line}`);

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await work(items[index]!, index);
      }
    }),
  );
  return out;
}

/**
 * Demo data plus `count` connected pairs in the integration environment (apps
 * × TENANTS, app by app), set up through the same procedures the portals call.
 */
async function setUp(db: Database, count: number): Promise<Pair[]> {
  await seedDemo(db.em());
  const em = db.em();
  const admin = await em.findOneOrFail(User, { email: 'admin@gatehouse.test' });
  const developer = await em.findOneOrFail(User, { email: 'dev@gatehouse.test' });
  // The demo admin's own tenant, plus bench tenants granted to that admin.
  const tenantIds = ['985798691'];
  for (let i = tenantIds.length; i < TENANTS; i++) {
    const id = String(700_000_000 + i);
    em.create(Tenant, { id, name: `Bench Tenant ${i}` });
    em.create(TenantAdmin, { id: crypto.randomUUID(), user: admin.id, tenant: id });
    tenantIds.push(id);
  }
  await em.flush();

  const callerFor = async (userId: string) =>
    createCaller(createContextInner({ db, sessionToken: (await startSession(db.em(), userId)).token }));
  const dev = await callerFor(developer.id);
  const tenantAdmin = await callerFor(admin.id);
  const pairs: Pair[] = [];
  for (let a = 0; pairs.length < count; a++) {
    const app = await dev.apps.create({
      name: `Bench App ${a}`,
      homePageUrl: 'https://bench.example',
      tenantIds,
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    for (const tenantId of tenantIds.slice(0, count - pairs.length)) {
      const granted = await tenantAdmin.connections.allow({
        tenantId,
        environment: 'integration',
        appId: app.id,
        credentialsIssuer: 'tenant_admin',
      });
      pairs.push({
        appKey: app.appKey,
        tenantId,
        clientId: granted.clientId,
        clientSecret: granted.clientSecret,
      });
    }
  }
  return pairs;
}

function startServer(dbFile: string): Promise<{ child: ChildProcess; url: string }> {
  const execArgv = ['--import', 'tsx'];
  if (cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles')}`);
  const child = fork(path.join(here, 'server.ts'), [dbFile], {
    cwd: here,
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The server did not start within 30 s.')), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${message.port}` });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited with code ${code} before listening.`));
    });
  });
}

/** The server's CPU time so far, in microseconds. */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The server did not report its CPU time.')), 5_000);
    const onMessage = (message: { cpu?: NodeJS.CpuUsage }) => {
      if (!message.cpu) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.cpu.user + message.cpu.system);
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const basic = (pair: Pair) =>
  `Basic ${Buffer.from(`${encodeURIComponent(pair.clientId)}:${encodeURIComponent(pair.clientSecret)}`).toString('base64')}`;
const customerPath = (tenantId: string) => `/integration/api/crm/v2/tenant/${tenantId}/customers`;

/** A token per pair from the real endpoint, and a customer id of that tenant from the real list: checks every pair works before any load. */
async function prepare(url: string, pairs: Pair[]): Promise<Ready[]> {
  return pool(pairs, 8, async (pair) => {
    const tokenResponse = await fetch(`${url}/integration/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(pair) },
      body: 'grant_type=client_credentials',
    });
    if (tokenResponse.status !== 200)
      throw new Error(`Token for ${pair.clientId}: ${tokenResponse.status} ${await tokenResponse.text()}`);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const list = await fetch(`${url}${customerPath(pair.tenantId)}?pageSize=5`, {
      headers: { authorization: `Bearer ${token}`, 'st-app-key': pair.appKey },
    });
    if (list.status !== 200)
      throw new Error(`Customers of ${pair.tenantId}: ${list.status} ${await list.text()}`);
    const { data } = (await list.json()) as { data: { id: number }[] };
    return { ...pair, token, customerId: data[0]!.id };
  });
}

interface Scenario {
  key: string;
  title: string;
  /** One request per pair (or one in all). */
  requests: autocannon.Request[];
}

interface Measured {
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
  loadCpu: number;
  /** Per round, for (a)–(c): requests/s of each slice. */
  slices: number[];
}

/** Slices of one scenario as one measurement: totals add up, p50 is the median slice's, p99 the worst slice's. */
function combine(slices: Measured[]): Measured {
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
    loadCpu: sum((m) => m.loadCpu * m.seconds) / seconds,
    slices: slices.map((m) => m.rps),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * With many requests (one per pair), each connection takes every
 * CONNECTIONS-th of them and cycles through its share: every pair is called
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
function fire(url: string, requests: autocannon.Request[], durationS: number): Promise<autocannon.Result> {
  const shared = requests.length < CONNECTIONS;
  const shares = shared
    ? []
    : Array.from({ length: CONNECTIONS }, (_, share) =>
        requests.filter((_, index) => index % CONNECTIONS === share),
      );
  let nextClient = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    requests: shared ? requests : requests.slice(0, 1),
    setupClient: (client) => {
      if (!shared) client.setRequests(shares[nextClient++ % CONNECTIONS]!);
    },
  });
}

async function measure(
  server: { child: ChildProcess; url: string },
  scenario: Scenario,
  durationS: number,
): Promise<Measured> {
  const [serverBefore, loadBefore, wallBefore] = [
    await serverCpu(server.child),
    process.cpuUsage(),
    performance.now(),
  ];
  const result = await fire(server.url, scenario.requests, durationS);
  const wallUs = (performance.now() - wallBefore) * 1000;
  const loadUsed = process.cpuUsage(loadBefore);
  const serverUsed = (await serverCpu(server.child)) - serverBefore;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [
      code,
      (stat as { count: number }).count,
    ]),
  );
  return {
    scenario,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds: result.duration,
    serverCpu: serverUsed / wallUs,
    loadCpu: (loadUsed.user + loadUsed.system) / wallUs,
    slices: [],
  };
}

async function warmUp(server: { child: ChildProcess; url: string }, scenario: Scenario): Promise<Measured> {
  log(`${scenario.title}: ${WARMUP_S} s warm-up`);
  return measure(server, scenario, WARMUP_S);
}

/** (a), (b) and (c) in turns, the order rotating from round to round. */
async function rounds(
  server: { child: ChildProcess; url: string },
  scenarios: Scenario[],
): Promise<Measured[]> {
  const slices = new Map<string, Measured[]>(scenarios.map((scenario) => [scenario.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    log(
      `round ${round + 1} of ${ROUNDS}: ${SLICE_S} s each for ${scenarios.map((scenario) => scenario.key).join(', ')}`,
    );
    for (let i = 0; i < scenarios.length; i++) {
      const scenario = scenarios[(round + i) % scenarios.length]!;
      slices.get(scenario.key)!.push(await measure(server, scenario, SLICE_S));
    }
  }
  return scenarios.map((scenario) => combine(slices.get(scenario.key)!));
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function report(
  measured: Measured[],
  pairs: number,
  pairsNote: string,
  loadAverage: string,
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
  const codes = (m: Measured) =>
    Object.entries(m.statusCodes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, count]) => `${code}×${fmt(count)}`)
      .join(', ');
  const percent = (share: number) => `${fmt(share * 100)} %`;
  const rows = measured.map(
    (m) =>
      `| ${m.scenario.title} | ${fmt(m.rps)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.total)} | ${codes(m)} | ${fmt(m.non2xx)} | ${fmt(m.errors)} (${fmt(m.timeouts)} timeouts) | ${ratioText(m)} | ${percent(m.serverCpu)} | ${fmt((m.serverCpu * 1e6) / m.rps)} | ${percent(m.loadCpu)} |`,
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
    `(a), (b) and (c) ran in turns after a ${WARMUP_S} s warm-up each: ${ROUNDS} rounds of ${SLICE_S} s per scenario, the order rotating. Ratio to (a) is the median of the ${ROUNDS} rounds' ratios (lowest–highest in brackets); p99 is the worst round's. (d) ran on its own: ${WARMUP_S} s warm-up, then ${DURATION_S} s.`,
    '',
    '| Scenario | Requests/s | p50 (ms) | p99 (ms) | Requests | Status codes | Non-2xx | Errors | Ratio to (a) (median, range) | Server CPU | Server CPU µs/request | Load generator CPU |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '| Check | Result | Measured |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.label} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.value} |`),
    '',
  ].join('\n');
  return { markdown, passed };
}

async function main(): Promise<boolean> {
  const started = performance.now();
  // Other work on the machine skews every figure: the report says how busy it was.
  const loadAverage = os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  const dbFile = path.join(dir, 'bench.db');
  let server: { child: ChildProcess; url: string } | undefined;
  try {
    const db = await openDatabase(`file:${dbFile}`);
    await migrate(db);
    const pool = await setUp(db, FIXED_PAIRS ?? POOL_PAIRS);
    await db.close();
    log(`${pool.length} app × tenant pairs connected in ${seconds(started)}`);

    server = await startServer(dbFile);
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
      requests: ready.map((pair) => ({
        method: 'POST',
        path: '/integration/connect/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(pair) },
        body: 'grant_type=client_credentials',
      })),
    };
    const resource: Scenario = {
      key: 'c',
      title: '(c) GET …/crm/v2/tenant/{tenant}/customers/{id}',
      requests: ready.map((pair) => ({
        method: 'GET',
        path: `${customerPath(pair.tenantId)}/${pair.customerId}`,
        headers: { authorization: `Bearer ${pair.token}`, 'st-app-key': pair.appKey },
      })),
    };
    const throttled: Scenario = {
      key: 'd',
      title: '(d) same GET, all on one pair (throttled)',
      requests: ready.slice(0, 1).map((pair) => ({
        method: 'GET',
        path: `${customerPath(pair.tenantId)}/${pair.customerId}`,
        headers: { authorization: `Bearer ${pair.token}`, 'st-app-key': pair.appKey },
      })),
    };
    await warmUp(server, token);
    await warmUp(server, resource);
    const measured = await rounds(server, [bare, token, resource]);
    await warmUp(server, throttled);
    log(`${throttled.title}: ${DURATION_S} s measured`);
    measured.push(await measure(server, throttled, DURATION_S));

    const { markdown, passed } = report(measured, ready.length, pairsNote, loadAverage);
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
    console.log(markdown);
    log(
      `done in ${seconds(started)}; written to ${path.relative(process.cwd(), path.join(resultsDir, 'latest.md'))}${cpuProf ? '; server profile in results/profiles/' : ''}`,
    );
    return passed;
  } finally {
    if (server) await stopServer(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const deadline = setTimeout(() => {
  log(`still running after ${RUN_DEADLINE_MS / 1000} s: giving up`);
  process.exit(2);
}, RUN_DEADLINE_MS);
deadline.unref();

// A missed target is a failed run: the exit code says so to scripts.
process.exitCode = (await main()) ? 0 : 1;
