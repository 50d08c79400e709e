import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** The server package: where `src/main.ts` runs from, as `npm start` runs it. */
const SERVER_DIR = path.resolve(import.meta.dirname, '../..');

/** What every instance of a fleet shares: one database, one Redis, one public URL (the tokens' issuer). */
export interface InstanceSettings {
  databaseUrl: string;
  redisUrl: string;
  publicUrl: string;
  /** Start the metrics listener on a port of its own (`METRICS_PORT`). */
  metrics?: boolean;
}

/** One Gatehouse server running in a process of its own. */
export interface Instance {
  name: string;
  /** Where this instance answers (the public URL names the fleet, not one instance). */
  url: string;
  /** Its metrics listener, when asked for. */
  metricsUrl: string | null;
  pid: number;
  /** Standard output and error so far: shown when the instance fails a test. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<string>;
  /** SIGKILL: no graceful shutdown, no flush, as a crashed machine. */
  kill(): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not ended within a few seconds. */
  stop(): Promise<string>;
}

/** A port nobody listens on right now (the operating system's choice of a free one). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

/** Everything of the test runner's environment but its own settings, which would change how the server runs. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (
      !/^(VITEST|TEST|NODE_ENV|NODE_OPTIONS|PORT|HOST|DATABASE_URL|REDIS_URL|PUBLIC_URL|METRICS_PORT)/.test(
        key,
      )
    )
      env[key] = value;
  return env;
}

/**
 * Starts `node --import tsx src/main.ts` with the fleet's settings on free ports, as an operator would start
 * one more instance after `migrate`, and waits until it answers `/healthz`.
 */
export async function startInstance(name: string, settings: InstanceSettings): Promise<Instance> {
  const port = await freePort();
  const metricsPort = settings.metrics ? await freePort() : null;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      ...inheritedEnv(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      PUBLIC_URL: settings.publicUrl,
      LOG_LEVEL: 'warn',
      ...(metricsPort === null ? {} : { METRICS_PORT: String(metricsPort) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    // The last lines matter when something fails: keep a bounded tail.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
  );
  let ended = false;
  // Should the test process end first (a crash, a cancelled run), its instances end with it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  void exited.then(() => {
    ended = true;
    process.off('exit', orphaned);
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (ended) throw new Error(`instance ${name} ended before it answered (${await exited}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance ${name} did not answer /healthz within 45 s:\n${output}`);
    }
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const signalled = async (signal: NodeJS.Signals, graceMs: number) => {
    if (ended) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const how = await exited;
    clearTimeout(timer);
    return how;
  };
  return {
    name,
    url,
    metricsUrl: metricsPort === null ? null : `http://127.0.0.1:${metricsPort}`,
    pid: child.pid!,
    output: () => output,
    exited,
    kill: () => signalled('SIGKILL', 0),
    stop: () => signalled('SIGTERM', 5000),
  };
}
