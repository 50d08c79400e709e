import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSession } from '../src/auth/sessions';
import { createContextInner } from '../src/context';
import { User, WebhookDelivery } from '../src/db/entities';
import { createCaller } from '../src/root';
import { testPayload } from '../src/webhooks/payload';
import type { Caller, TestDatabase } from './harness';

/** One request a receiver got, as a webhook endpoint sees it. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Answer = (request: Received, response: http.ServerResponse) => void;

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook`. */
  url: string;
  port: number;
  received: Received[];
  /** How it answers from now on (200 "ok" until told otherwise). */
  answer(with_: Answer): void;
  /** Stops listening: connections are refused until `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

const ok: Answer = (_request, response) => response.writeHead(200).end('ok');

/** A local webhook receiver on 127.0.0.1 that records every request. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let answer = ok;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string') headers[name] = value;
      const got = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(got);
      answer(got, response);
    });
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    answer: (with_) => {
      answer = with_;
    },
    start: listen,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A signed-in demo user's caller on a server that lets endpoints point at localhost (the demo) or not. */
export async function callerWith(
  t: TestDatabase,
  email: string,
  allowWebhookLoopback: boolean,
): Promise<Caller> {
  const user = await t.db.em().findOneOrFail(User, { email });
  const { token } = await startSession(t.db.em(), user.id);
  return createCaller(() => createContextInner({ db: t.db, sessionToken: token, allowWebhookLoopback }));
}

/**
 * Waits until `check` returns something truthy, polling; fails after
 * `timeoutMs`, which is generous: a loaded machine running every suite at
 * once can take many seconds over what takes milliseconds alone.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 45_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A logger that keeps what it is told, for tests that read it. */
export function quietLog() {
  const lines: { level: string; message: string; facts: unknown }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      const facts = args.find((a) => typeof a === 'object' && a !== null) ?? null;
      lines.push({ level, message: String(args.find((a) => typeof a === 'string') ?? ''), facts });
    };
  return { lines, warn: at('warn'), error: at('error'), info: at('info') };
}

/**
 * Queues `count` due deliveries to an endpoint straight into the table (a
 * backlog no procedure would let one make quickly), the first due `ageMs` ago
 * and each next a millisecond later. Returns their ids, oldest first.
 */
export async function queueBacklog(
  t: TestDatabase,
  target: { appId: string; endpointId: string },
  count: number,
  { ageMs = 60_000, eventType = 'connection.allowed' } = {},
): Promise<string[]> {
  const start = Date.now() - ageMs;
  const rows = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    endpoint: target.endpointId,
    appId: target.appId,
    messageId: `msg_${crypto.randomUUID().replaceAll('-', '')}`,
    eventType,
    eventSeq: null,
    payload: { ...testPayload(target.appId, target.endpointId) },
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: new Date(start + i),
    createdAt: new Date(start + i),
  }));
  // In slices: SQLite takes a bounded number of values per statement.
  for (let i = 0; i < rows.length; i += 500)
    await t.db.em().insertMany(WebhookDelivery, rows.slice(i, i + 500));
  return rows.map((row) => row.id);
}
