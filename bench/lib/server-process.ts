/**
 * The server under load in a child process of its own (`server.ts`), so it never shares an event loop with the
 * load generator. It runs as the product does: bundled by tsdown with the server's own settings
 * (lib/server-bundle.config.ts) and started by plain Node, not from the TypeScript sources under tsx, whose
 * transpiler and source maps would weigh on its memory and start-up. Each benchmark process builds it once, into a
 * folder of its own that it removes when it exits.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Where it serves `/metrics`, when started with `metrics`. */
  metricsUrl?: string;
}

export interface ServerProcessOptions {
  /** `file:…` (SQLite) or `postgres://…`, migrated and filled beforehand. */
  databaseUrl: string;
  /** The tokens' issuer; several instances of one fleet get the same one. */
  publicUrl?: string;
  /** Shares the rate limit between instances. */
  redisUrl?: string;
  /** Writes a V8 CPU profile of the server into this folder. */
  cpuProfDir?: string;
  /** Serves `/metrics` on a port of its own (as `METRICS_PORT` does), told as `metricsUrl`. */
  metrics?: boolean;
  /** Counts the change feed's own reads, which the server then tells over IPC ('feed'). */
  countFeed?: boolean;
  /** Gateway mode: the JSON `GATEHOUSE_UPSTREAMS` would hold. */
  upstreams?: string;
  /** Where the server's output goes instead of this process's (the file is started anew). */
  logFile?: string;
  /** False: the server keeps no request log (`REQUEST_LOG=off`), whatever this process's environment says. */
  requestLog?: boolean;
}

const serverPackage = path.join(import.meta.dirname, '..', '..', 'packages', 'server');
/**
 * Where the builds go: inside the server's package, so that they find its installed packages as
 * `dist/main.js` does, but out of `dist/`, which the product's own build empties.
 */
const buildsFolder = path.join('node_modules', '.cache', 'gatehouse-bench');
let built: string | undefined;

/** Bundles the server once per benchmark process; answers the entry point's path. */
function builtServer(): string {
  if (built) return built;
  removeLeftovers();
  const outDir = path.join(buildsFolder, String(process.pid));
  const result = spawnSync(
    path.join(serverPackage, 'node_modules', '.bin', 'tsdown'),
    [
      '--config',
      path.join(import.meta.dirname, 'server-bundle.config.ts'),
      '--out-dir',
      outDir,
      '--logLevel',
      'warn',
    ],
    { cwd: serverPackage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0)
    throw new Error(`The server could not be built:\n${result.stdout}${result.stderr}${result.error ?? ''}`);
  const folder = path.join(serverPackage, outDir);
  process.once('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
  built = path.join(folder, 'bench-server.js');
  return built;
}

/** Builds of benchmark processes that ended without removing theirs (stopped by a signal). */
function removeLeftovers(): void {
  const folder = path.join(serverPackage, buildsFolder);
  if (!fs.existsSync(folder)) return;
  for (const name of fs.readdirSync(folder))
    if (!/^\d+$/.test(name) || !isRunning(Number(name)))
      fs.rmSync(path.join(folder, name), { recursive: true, force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function startServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const script = builtServer();
  const execArgv: string[] = [];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const args = [options.databaseUrl];
  if (options.publicUrl) args.push(`--public-url=${options.publicUrl}`);
  if (options.redisUrl) args.push(`--redis-url=${options.redisUrl}`);
  if (options.metrics) args.push('--metrics');
  if (options.upstreams) args.push(`--upstreams=${options.upstreams}`);
  if (options.countFeed) args.push('--count-feed');
  const output = options.logFile ? fs.openSync(options.logFile, 'w') : 'inherit';
  const child = fork(script, args, {
    cwd: path.join(import.meta.dirname, '..'),
    execArgv,
    stdio: ['ignore', output, output, 'ipc'],
    env:
      options.requestLog === undefined
        ? process.env
        : { ...process.env, REQUEST_LOG: options.requestLog ? 'on' : 'off' },
  });
  if (typeof output === 'number') fs.closeSync(output);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The server did not start within 30 s.')), 30_000);
    child.once('message', (message: { port: number; metricsUrl?: string }) => {
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${message.port}`, metricsUrl: message.metricsUrl });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited with code ${code} before listening.`));
    });
  });
}

const CLOCK_TICKS_PER_S = 100;

/**
 * A child's CPU time so far (all its threads), in microseconds: from
 * /proc/<pid>/stat where there is one, which needs nothing of the child and
 * so also answers while its event loop is busy; otherwise over IPC
 * (server.ts and side-loop.ts both answer 'cpu').
 */
export function childCpu(child: ChildProcess): Promise<number> {
  const used = child.pid === undefined ? undefined : processCpu(child.pid);
  return used === undefined ? cpuOverIpc(child) : Promise.resolve(used);
}

/** Any process's CPU time so far in microseconds, from /proc; undefined without it. */
export function processCpu(pid: number): number | undefined {
  const times = timesOfStat(`/proc/${pid}/stat`);
  return times && times.userUs + times.systemUs;
}

/** The CPU time (µs) of a process's main thread alone, its event loop for Node; undefined where there is no /proc. */
export function mainThreadCpu(pid: number): number | undefined {
  const times = timesOfStat(`/proc/${pid}/task/${pid}/stat`);
  return times && times.userUs + times.systemUs;
}

/** A thread's CPU time so far split into user and kernel time (µs), and its context switches: where its time goes. */
export interface ThreadTimes {
  userUs: number;
  systemUs: number;
  /** Switches it asked for (it waited) and ones it did not (it was preempted). */
  voluntary: number;
  involuntary: number;
}

/** The main thread's ThreadTimes; undefined where there is no /proc. */
export function mainThreadTimes(pid: number): ThreadTimes | undefined {
  return threadTimes(pid, pid);
}

function threadTimes(pid: number, tid: number | string): ThreadTimes | undefined {
  const times = timesOfStat(`/proc/${pid}/task/${tid}/stat`);
  if (!times) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const switches = (name: string) =>
      Number(new RegExp(`^${name}_ctxt_switches:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { ...times, voluntary: switches('voluntary'), involuntary: switches('nonvoluntary') };
  } catch {
    return undefined;
  }
}

/**
 * The ThreadTimes of the process's other threads, added up by their name (Linux's `comm`: V8's helper
 * threads, libuv's pool, a worker thread…); empty where there is no /proc.
 */
export function otherThreadTimes(pid: number): Map<string, ThreadTimes> {
  const groups = new Map<string, ThreadTimes>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return groups;
  }
  for (const tid of tids) {
    if (tid === String(pid)) continue;
    let name: string;
    try {
      name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const times = threadTimes(pid, tid);
    if (!times) continue;
    const sum = groups.get(name) ?? { userUs: 0, systemUs: 0, voluntary: 0, involuntary: 0 };
    groups.set(name, {
      userUs: sum.userUs + times.userUs,
      systemUs: sum.systemUs + times.systemUs,
      voluntary: sum.voluntary + times.voluntary,
      involuntary: sum.involuntary + times.involuntary,
    });
  }
  return groups;
}

/** User and kernel CPU time (µs) from a /proc `stat` file; undefined without it. */
function timesOfStat(file: string): { userUs: number; systemUs: number } | undefined {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    // Fields after the command name, which is in brackets and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      userUs: (Number(fields[11]) * 1e6) / CLOCK_TICKS_PER_S,
      systemUs: (Number(fields[12]) * 1e6) / CLOCK_TICKS_PER_S,
    };
  } catch {
    return undefined;
  }
}

function cpuOverIpc(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Process ${child.pid} did not report its CPU time.`)),
      30_000,
    );
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

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface CacheCount {
  cache: string;
  hits: number;
  misses: number;
}

/** The server's access caches' hit and miss counts so far; empty when it cannot tell (an older server, or no answer in 10 s). */
export function cacheCounts(child: ChildProcess): Promise<CacheCount[]> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done([]), 10_000);
    const onMessage = (message: { caches?: CacheCount[] }) => {
      if (message.caches) done(message.caches);
    };
    const done = (counts: CacheCount[]) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(counts);
    };
    child.on('message', onMessage);
    child.send('caches');
  });
}

export interface RequestLogCounts {
  enabled: boolean;
  written: number;
  dropped: number;
  /** Whether the server wrote them on its writer thread by the end. */
  onThread?: boolean;
}

/** The server's request-log lines written and dropped so far, once it wrote what it held; undefined when it cannot tell. */
export function requestLogCounts(child: ChildProcess): Promise<RequestLogCounts | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), 30_000);
    const onMessage = (message: { requestLog?: RequestLogCounts }) => {
      if (message.requestLog) done(message.requestLog);
    };
    const done = (counts: RequestLogCounts | undefined) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(counts);
    };
    child.on('message', onMessage);
    child.send('requestLog');
  });
}

/** Switches the server's request log on or off (a server from before the switch answers nothing). */
export function switchRequestLog(child: ChildProcess, on: boolean): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('the server did not switch its request log')), 10_000);
    const onMessage = (message: { logCalls?: boolean }) => {
      if (message.logCalls !== undefined)
        done(message.logCalls === on ? undefined : new Error('not switched'));
    };
    const done = (error: Error | undefined) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (error) reject(error);
      else resolve(on);
    };
    child.on('message', onMessage);
    child.send({ logCalls: on });
  });
}
