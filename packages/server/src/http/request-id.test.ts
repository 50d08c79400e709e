import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEV, openTestDatabase, type TestDatabase } from '#test/harness';
import { buildServer } from './server';

/** A server on a free port whose log lines the test reads, parsed. */
async function logged(t: TestDatabase, options: { accessLog?: boolean } = {}) {
  const lines: Record<string, any>[] = [];
  const app = await buildServer({
    db: t.db,
    logLevel: 'info',
    usageFlushMs: 0,
    logStream: { write: (line) => lines.push(JSON.parse(line)) },
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, lines };
}

describe('request ids and the log', () => {
  let t: TestDatabase;
  let server: { app: FastifyInstance; url: string; lines: Record<string, any>[] };
  const extra: FastifyInstance[] = [];

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    server = await logged(t);
  });
  afterEach(async () => {
    for (const app of extra.splice(0)) await app.close();
  });
  afterAll(async () => {
    await server?.app.close();
    await t?.close();
  });

  it('answers every response with a request id, a new one for each request', async () => {
    const ids = [];
    for (const path of ['/healthz', '/integration/connect/token', '/no/such/page', '/trpc/auth.me']) {
      const response = await fetch(`${server.url}${path}`, {
        method: path.includes('token') ? 'POST' : 'GET',
      });
      ids.push(response.headers.get('x-request-id'));
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the caller’s x-request-id when it is short and plain, and replaces any other', async () => {
    const echoed = async (given: string) =>
      (await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': given } })).headers.get(
        'x-request-id',
      );
    expect(await echoed('lb-7f3a.42_Z')).toBe('lb-7f3a.42_Z');
    expect(await echoed('a'.repeat(128))).toBe('a'.repeat(128));
    for (const unsafe of ['a'.repeat(129), 'two words', '{"level":60}', 'x;y', 'ünïcode'])
      expect(await echoed(unsafe)).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });

  it('writes no line per request by default, and names the request id on the lines a request logs', async () => {
    const before = server.lines.length;
    await fetch(`${server.url}/healthz`);
    expect(server.lines.slice(before)).toEqual([]);

    // A procedure that fails inside logs its error: the line carries the id the client got back.
    const signIn = await fetch(`${server.url}/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'x-gatehouse-csrf': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: DEV, password: 'gatehouse-demo' } }),
    });
    const cookie = signIn.headers.get('set-cookie')?.split(';')[0] ?? '';
    await t.db.em().getConnection().execute('drop table notification');
    const response = await fetch(`${server.url}/trpc/notifications.list`, {
      headers: { 'x-gatehouse-csrf': '1', 'x-request-id': 'trace-notifications-1', cookie },
    });
    expect(response.status).toBe(500);
    const failure = server.lines.find((line) => line.msg === 'procedure failed');
    expect(failure).toMatchObject({ level: 50, requestId: 'trace-notifications-1' });
  });

  it('writes one line per answered request with ACCESS_LOG, without the query string', async () => {
    const { app, url, lines } = await logged(t, { accessLog: true });
    extra.push(app);
    const response = await fetch(`${url}/integration/api/crm/v2/tenant/1/customers?secret=no`);
    const id = response.headers.get('x-request-id');
    const line = lines.find((l) => l.requestId === id);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      path: '/integration/api/crm/v2/tenant/1/customers',
      status: response.status,
      ms: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain('secret=no');
    expect(lines.filter((l) => l.requestId === id)).toHaveLength(1);
  });
});
