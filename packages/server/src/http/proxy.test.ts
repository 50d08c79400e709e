import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, openTestDatabase, type TestDatabase } from '#test/harness';
import { DEMO_PASSWORD } from '../seed/demo';
import { buildServer, CSRF_HEADER, type ServerOptions } from './server';

const PROXY = '10.0.0.1';
/** The address and Host the proxy connects to: the instance's own, never what the browser saw. */
const INSTANCE_HOST = '10.0.0.5:3000';
const PUBLIC_ORIGIN = 'https://gatehouse.example';

/** Sign-in as the browser sends it through an HTTPS proxy, from `from`, with the given Origin. */
function signIn(
  app: FastifyInstance,
  from: string,
  origin: string,
  forwarded: Record<string, string> = {
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'gatehouse.example',
  },
) {
  return app.inject({
    method: 'POST',
    url: '/trpc/auth.signIn',
    remoteAddress: from,
    headers: {
      host: INSTANCE_HOST,
      origin,
      'content-type': 'application/json',
      [CSRF_HEADER]: '1',
      'x-forwarded-for': '203.0.113.7',
      ...forwarded,
    },
    payload: { json: { email: DEV, password: DEMO_PASSWORD } },
  });
}

describe('behind an HTTPS proxy (TRUST_PROXY)', () => {
  let t: TestDatabase;
  const servers: FastifyInstance[] = [];
  const server = async (options: Partial<ServerOptions>) => {
    const app = await buildServer({ db: t.db, logLevel: 'silent', usageFlushMs: 0, ...options });
    servers.push(app);
    return app;
  };

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    for (const app of servers) await app.close();
    await t?.close();
  });

  it('lets a same-origin mutation through a trusted proxy that forwards https and the public host', async () => {
    for (const trustProxy of [[PROXY], 1]) {
      const app = await server({ trustProxy });
      const response = await signIn(app, PROXY, PUBLIC_ORIGIN);
      expect(response.statusCode, `TRUST_PROXY=${trustProxy}`).toBe(200);
    }
  });

  it('ignores the forwarded scheme and host of a sender it does not trust', async () => {
    const app = await server({ trustProxy: [PROXY] });
    expect((await signIn(app, '10.9.9.9', PUBLIC_ORIGIN)).statusCode).toBe(403);
    // Judged by what that sender really connected to.
    expect((await signIn(app, '10.9.9.9', `http://${INSTANCE_HOST}`)).statusCode).toBe(200);
    // Without TRUST_PROXY nobody is trusted, the proxy included.
    const trustsNobody = await server({});
    expect((await signIn(trustsNobody, PROXY, PUBLIC_ORIGIN)).statusCode).toBe(403);
  });

  it('refuses a foreign Origin, even through the trusted proxy', async () => {
    const app = await server({ trustProxy: [PROXY] });
    expect((await signIn(app, PROXY, 'https://evil.example')).statusCode).toBe(403);
    // A proxy that forwards the attacker's Host does not make the attacker's page same-origin.
    const forged = await signIn(app, '10.9.9.9', 'https://evil.example', {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
    expect(forged.statusCode).toBe(403);
  });

  it('with PUBLIC_URL, compares the Origin with its origin alone, whatever Host arrives', async () => {
    const app = await server({ trustProxy: [PROXY], portalOrigin: PUBLIC_ORIGIN });
    expect((await signIn(app, PROXY, PUBLIC_ORIGIN, {})).statusCode).toBe(200);
    expect((await signIn(app, '10.9.9.9', PUBLIC_ORIGIN, {})).statusCode).toBe(200);
    expect((await signIn(app, PROXY, `http://${INSTANCE_HOST}`, {})).statusCode).toBe(403);
    expect((await signIn(app, PROXY, 'https://evil.example')).statusCode).toBe(403);
  });
});
