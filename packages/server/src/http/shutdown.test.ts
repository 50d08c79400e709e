import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, emptyDatabase, openTestDatabase, type TestDatabase } from '#test/harness';
import { listen } from '#test/http-client';
import { UsageDaily } from '../db/entities';
import { drain } from '../ops/shutdown';
import { DEMO_PASSWORD } from '../seed/demo';

const SIGN_IN = JSON.stringify({ json: { email: DEV, password: DEMO_PASSWORD } });

/**
 * A sign-in whose body is still arriving: the request is in flight until `finish()` sends the rest.
 * `answer` resolves with the status line, or null if the connection closed without one.
 */
async function slowSignIn(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  const answer = new Promise<string | null>((resolve) =>
    socket.once('close', () => resolve(received ? received.split('\r\n')[0]! : null)),
  );
  const half = Math.floor(SIGN_IN.length / 2);
  socket.write(
    [
      'POST /trpc/auth.signIn HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Content-Type: application/json',
      'X-Gatehouse-Csrf: 1',
      `Content-Length: ${SIGN_IN.length}`,
      '',
      SIGN_IN.slice(0, half),
    ].join('\r\n'),
  );
  // The server has read the headers and waits for the body.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { answer, finish: () => socket.write(SIGN_IN.slice(half)) };
}

const refused = (url: string) =>
  fetch(`${url}/healthz`).then(
    () => false,
    () => true,
  );

describe('graceful shutdown, in process', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
  });
  afterAll(async () => t?.close());

  it('stops accepting, says it is not ready, lets the request in flight finish and writes counted usage', async () => {
    const server = await listen(t);
    server.app.runtime.usage.recordCall('app-1', '985798691', 'integration', 'GET /x', 200);
    const inFlight = await slowSignIn(server.url);
    const drained = drain(server.app, 5000);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await refused(server.url)).toBe(true);
    expect((await server.app.runtime.readiness.report()).body).toMatchObject({
      status: 'shutting_down',
      failed: ['shutdown'],
    });
    inFlight.finish();
    expect(await inFlight.answer).toBe('HTTP/1.1 200 OK');
    expect(await drained).toBe('drained');
    expect(await t.db.em().count(UsageDaily, { appId: 'app-1' })).toBe(1);
  });

  it('cuts a request that outlasts the time limit, and still finishes', async () => {
    const server = await listen(t);
    const stuck = await slowSignIn(server.url);
    const started = Date.now();
    expect(await drain(server.app, 300)).toBe('cut');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await stuck.answer).toBeNull();
  });
});

/** The server package, where `src/main.ts` runs from. */
const SERVER_DIR = path.resolve(import.meta.dirname, '../..');

/** `node --import tsx src/main.ts` on its own embedded database, port chosen by the system; resolves with its URL. */
async function startMain(databaseUrl: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(VITEST|TEST|NODE_ENV|NODE_OPTIONS|PORT|DATABASE_URL|REDIS_URL|PUBLIC_URL|METRICS_PORT)/.test(key))
      env[key] = value;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: { ...env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, SHUTDOWN_TIMEOUT_MS: '20000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /Developer portal\s+(http:\/\/\S+?)\/\s/.exec(output);
      if (found) resolve(found[1]!);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    void exited.then((code) => reject(new Error(`main exited (${code}) before listening:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

describe('graceful shutdown of the process', () => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it('on SIGTERM, answers the request in flight, then exits 0', { timeout: 90_000 }, async () => {
    const { url: databaseUrl, drop } = await emptyDatabase('sqlite');
    drops.push(drop);
    const main = await startMain(databaseUrl);
    try {
      const inFlight = await slowSignIn(main.url);
      main.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await refused(main.url)).toBe(true);
      inFlight.finish();
      const answered = Date.now();
      expect(await inFlight.answer).toBe('HTTP/1.1 200 OK');
      expect(await main.exited).toBe(0);
      // Well before SHUTDOWN_TIMEOUT_MS: it left once the request was answered, not when time ran out.
      expect(Date.now() - answered).toBeLessThan(10_000);
      expect(main.output()).toContain('shut down');
    } finally {
      main.child.kill('SIGKILL');
    }
  });

  it('on a second signal, exits at once without waiting for the request', { timeout: 90_000 }, async () => {
    const { url: databaseUrl, drop } = await emptyDatabase('sqlite');
    drops.push(drop);
    const main = await startMain(databaseUrl);
    try {
      const inFlight = await slowSignIn(main.url);
      main.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      main.child.kill('SIGINT');
      expect(await main.exited).toBe(1);
      expect(await inFlight.answer).toBeNull();
    } finally {
      main.child.kill('SIGKILL');
    }
  });
});
