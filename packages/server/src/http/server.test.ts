import type { EntityManager } from '@mikro-orm/knex';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { sha256Hex } from '../auth/secrets';
import { SESSION_COOKIE, startSession } from '../auth/sessions';
import { App, AuditEvent, LoginFailure, Session, User } from '../db/entities';
import type { Database } from '../db/orm';
import { DEMO_PASSWORD } from '../seed/demo';
import { buildServer, CSRF_HEADER } from './server';

const HOST = 'portal.gatehouse.test';
const SAME_ORIGIN = `http://${HOST}`;

const newApp = {
  name: 'Over HTTP',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private',
  credentialsMode: 'tenant_admin',
  scopes: ['tn.crm.customers:r'],
};

/** The session cookie a response sets, with its attributes. */
function sessionCookie(response: LightMyRequestResponse) {
  return response.cookies.find((c) => c.name === SESSION_COOKIE);
}

/** superjson envelope of a tRPC response. */
function body(response: LightMyRequestResponse): {
  result?: { data: { json: any } };
  error?: { json: { message: string; code: number; data: Record<string, unknown> } };
} {
  return response.json();
}

describe.each(dialects)('HTTP host on %s', (dialect) => {
  let t: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    app = await buildServer({ db: t.db, logLevel: 'silent', developerPortalDist: '/nonexistent' });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  function mutation(procedure: string, input: unknown, headers: Record<string, string> = {}, server = app) {
    return server.inject({
      method: 'POST',
      url: `/trpc/${procedure}`,
      headers: {
        host: HOST,
        'content-type': 'application/json',
        [CSRF_HEADER]: '1',
        origin: SAME_ORIGIN,
        ...headers,
      },
      payload: JSON.stringify({ json: input }),
    });
  }

  function query(procedure: string, input: unknown, cookie?: string) {
    const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
    return app.inject({
      method: 'GET',
      url: `/trpc/${procedure}${search}`,
      headers: { host: HOST, ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}) },
    });
  }

  /** A signed-in session without the cost of a password check, for tests that are not about signing in. */
  async function sessionFor(email = DEV) {
    const user = await t.db.em().findOneOrFail(User, { email });
    return (await startSession(t.db.em(), user.id)).token;
  }

  async function signIn(email = DEV) {
    const response = await mutation('auth.signIn', { email, password: DEMO_PASSWORD });
    expect(response.statusCode).toBe(200);
    return sessionCookie(response)!.value;
  }

  describe('session cookie', () => {
    it('is set on sign-in: HttpOnly, SameSite=Lax, whole site, about a week', async () => {
      const response = await mutation('auth.signIn', { email: DEV, password: DEMO_PASSWORD });
      expect(response.statusCode).toBe(200);
      expect(body(response).result?.data.json).toMatchObject({
        email: DEV,
        organizationName: 'Acme Field Apps',
      });
      const raw = String(response.headers['set-cookie']);
      expect(raw).toMatch(/HttpOnly/i);
      expect(raw).toMatch(/SameSite=Lax/i);
      expect(raw).not.toMatch(/;\s*Secure/i);
      const cookie = sessionCookie(response)!;
      expect(cookie.value).toMatch(/^ghs_/);
      expect(cookie.path).toBe('/');
      const expires = new Date(cookie.expires!).getTime();
      expect(expires).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
      expect(expires).toBeLessThan(Date.now() + 8 * 24 * 3600_000);
    });

    it('is Secure when the server runs behind HTTPS', async () => {
      const secure = await buildServer({
        db: t.db,
        logLevel: 'silent',
        secureCookies: true,
        developerPortalDist: '/nonexistent',
      });
      try {
        const response = await mutation('auth.signIn', { email: DEV2, password: DEMO_PASSWORD }, {}, secure);
        expect(String(response.headers['set-cookie'])).toMatch(/;\s*Secure/i);
      } finally {
        await secure.close();
      }
    });

    it('is a new token on every sign-in, stored only as a hash', async () => {
      const first = await signIn();
      const second = await signIn();
      expect(second).not.toBe(first);
      const hashes = (await t.db.em().find(Session, {})).map((s) => s.tokenHash);
      expect(hashes).not.toContain(first);
      expect(hashes).not.toContain(second);
      expect(hashes).toContain(sha256Hex(first));
      expect(hashes).toContain(sha256Hex(second));
    });

    it('is not set when sign-in fails, and the failure says nothing about which part was wrong', async () => {
      const wrong = await mutation('auth.signIn', { email: DEV2, password: 'nope' });
      const unknown = await mutation('auth.signIn', { email: 'stranger@gatehouse.test', password: 'nope' });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(sessionCookie(wrong)).toBeUndefined();
      expect(body(wrong).error?.json.message).toBe(body(unknown).error?.json.message);
    });

    it('carries the session into queries and ends with sign-out', async () => {
      const token = await signIn();
      expect(body(await query('auth.me', undefined, token)).result?.data.json).toMatchObject({ email: DEV });
      expect((await query('apps.list', {}, token)).statusCode).toBe(200);

      const out = await mutation('auth.signOut', undefined, { cookie: `${SESSION_COOKIE}=${token}` });
      expect(out.statusCode).toBe(200);
      const cleared = sessionCookie(out)!;
      expect(cleared.value).toBe('');
      expect(new Date(cleared.expires!).getTime()).toBeLessThanOrEqual(Date.now());

      expect(body(await query('auth.me', undefined, token)).result?.data.json).toBeNull();
      expect((await query('apps.list', {}, token)).statusCode).toBe(401);
    });

    it('answers TOO_MANY_REQUESTS with 429 once an account is locked', async () => {
      const em = t.db.em();
      for (let i = 0; i < 5; i++)
        em.create(LoginFailure, { id: crypto.randomUUID(), subject: `account:${DEV2}`, at: new Date() });
      await em.flush();
      const response = await mutation('auth.signIn', { email: DEV2, password: DEMO_PASSWORD });
      expect(response.statusCode).toBe(429);
      expect(sessionCookie(response)).toBeUndefined();
      await em.nativeDelete(LoginFailure, { subject: `account:${DEV2}` });
    });
  });

  describe('cross-site request guard', () => {
    it('refuses a mutation without the CSRF header, and does nothing', async () => {
      const sessionsBefore = await t.db.em().count(Session, {});
      const response = await mutation(
        'auth.signIn',
        { email: DEV, password: DEMO_PASSWORD },
        { [CSRF_HEADER]: '' },
      );
      expect(response.statusCode).toBe(403);
      expect(sessionCookie(response)).toBeUndefined();
      expect(await t.db.em().count(Session, {})).toBe(sessionsBefore);
    });

    it.each([
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['a look-alike Origin', { origin: `http://${HOST}.evil.example` }],
      ['the right host on another scheme', { origin: `https://${HOST}` }],
      ['the right host on another port', { origin: `http://${HOST}:8080` }],
      ['a null Origin', { origin: 'null' }],
      ['a wrong header value', { [CSRF_HEADER]: 'true' }],
    ])('refuses a signed-in mutation with %s, and changes nothing', async (_label, headers) => {
      const token = await sessionFor();
      const before = { apps: await t.db.em().count(App, {}), audit: await t.db.em().count(AuditEvent, {}) };
      const response = await mutation('apps.create', newApp, {
        cookie: `${SESSION_COOKIE}=${token}`,
        ...headers,
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ error: { message: 'Cross-site request refused.' } });
      expect({ apps: await t.db.em().count(App, {}), audit: await t.db.em().count(AuditEvent, {}) }).toEqual(
        before,
      );
    });

    it('accepts the same mutation from our own page, with or without an Origin', async () => {
      const token = await sessionFor();
      const withOrigin = await mutation('apps.create', newApp, { cookie: `${SESSION_COOKIE}=${token}` });
      expect(withOrigin.statusCode).toBe(200);
      expect(body(withOrigin).result?.data.json).toMatchObject({ name: 'Over HTTP', latestVersion: 1 });
      const withoutOrigin = await app.inject({
        method: 'POST',
        url: '/trpc/apps.create',
        headers: {
          host: HOST,
          'content-type': 'application/json',
          [CSRF_HEADER]: '1',
          cookie: `${SESSION_COOKIE}=${token}`,
        },
        payload: JSON.stringify({ json: newApp }),
      });
      expect(withoutOrigin.statusCode).toBe(200);
    });

    it('never runs a mutation sent as a GET', async () => {
      const token = await sessionFor();
      const before = await t.db.em().count(App, {});
      const response = await query('apps.create', newApp, token);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(await t.db.em().count(App, {})).toBe(before);
    });

    // The router decodes percent-escapes, so `/%74rpc/...` reaches tRPC: the guard must see that too.
    it('cannot be side-stepped by percent-encoding the path', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/%74rpc/auth.signIn',
        headers: { host: HOST, 'content-type': 'application/json', origin: 'https://evil.example' },
        payload: JSON.stringify({ json: { email: DEV, password: DEMO_PASSWORD } }),
      });
      expect(response.statusCode).toBe(403);
    });

    it('guards batched calls too', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/trpc/auth.signIn?batch=1',
        headers: { host: HOST, 'content-type': 'application/json' },
        payload: JSON.stringify({ 0: { json: { email: DEV, password: DEMO_PASSWORD } } }),
      });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('errors', () => {
    it('gives field errors for bad input, without a stack', async () => {
      const token = await sessionFor();
      const response = await mutation(
        'apps.create',
        { ...newApp, homePageUrl: 'javascript:alert(1)', tenantIds: ['abc'] },
        { cookie: `${SESSION_COOKIE}=${token}` },
      );
      expect(response.statusCode).toBe(400);
      const error = body(response).error!.json;
      expect(error.message).toBe('Please correct the highlighted fields.');
      expect(error.data).toMatchObject({
        code: 'BAD_REQUEST',
        httpStatus: 400,
        fieldErrors: { homePageUrl: expect.any(String), tenantIds: expect.any(String) },
      });
      expect(error.data).not.toHaveProperty('stack');
      expect(response.body).not.toMatch(/at .*\.ts:\d+|node_modules/);
    });

    it("answers another organization's app like a missing one over HTTP as well", async () => {
      const token = await sessionFor(DEV);
      const created = body(await mutation('apps.create', newApp, { cookie: `${SESSION_COOKIE}=${token}` }))
        .result!.data.json as { id: string };
      const other = await sessionFor(DEV2);
      const foreign = await query('apps.get', { appId: created.id }, other);
      const missing = await query('apps.get', { appId: '00000000-0000-4000-8000-000000000000' }, other);
      expect(foreign.statusCode).toBe(404);
      expect(body(foreign).error?.json.message).toBe(body(missing).error?.json.message);
      expect(body(foreign).error?.json.data).toEqual(body(missing).error?.json.data);
    });

    it('answers malformed requests with 4xx, never 500', async () => {
      const malformedJson = await app.inject({
        method: 'POST',
        url: '/trpc/auth.signIn',
        headers: { host: HOST, 'content-type': 'application/json', [CSRF_HEADER]: '1' },
        payload: '{"json": {',
      });
      expect(malformedJson.statusCode).toBeGreaterThanOrEqual(400);
      expect(malformedJson.statusCode).toBeLessThan(500);
      const badInput = await app.inject({
        method: 'GET',
        url: '/trpc/apps.list?input=%7Bnot-json',
        headers: { host: HOST },
      });
      expect(badInput.statusCode).toBeGreaterThanOrEqual(400);
      expect(badInput.statusCode).toBeLessThan(500);
      const unknown = await app.inject({
        method: 'GET',
        url: '/trpc/apps.nothingHere',
        headers: { host: HOST },
      });
      expect(unknown.statusCode).toBe(404);
      const wrongShape = await mutation('auth.signIn', 'just a string');
      expect(wrongShape.statusCode).toBe(400);
    });

    // Any HTML form can send multipart: it must be refused cleanly, never reach the tRPC adapter.
    describe('a multipart body', () => {
      const boundary = 'gatehouse-test-boundary';
      const multipart = () =>
        app.inject({
          method: 'POST',
          url: '/trpc/auth.signIn',
          headers: {
            host: HOST,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            [CSRF_HEADER]: '1',
          },
          payload: `--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n${DEV}\r\n--${boundary}--\r\n`,
        });

      it('is refused as bad input, not a 500', async () => {
        const response = await multipart();
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
      });

      it('never shows the exception text', async () => {
        const response = await multipart();
        expect(response.body).not.toMatch(/circular|constructor|Converting/i);
      });
    });

    it('never leaks internals when something unexpected fails', async () => {
      const secret = 'relation "app_user" does not exist at /srv/gatehouse/db/orm.ts:42 password=hunter2';
      const explode = () => Promise.reject(new Error(secret));
      const brokenEm = new Proxy({}, { get: () => explode }) as unknown as EntityManager;
      // The database works while the server starts, then every query fails.
      let failing = false;
      const brokenDb: Database = { ...t.db, em: () => (failing ? brokenEm : t.db.em()) };
      const broken = await buildServer({
        db: brokenDb,
        logLevel: 'silent',
        developerPortalDist: '/nonexistent',
      });
      failing = true;
      try {
        for (const response of [
          await broken.inject({
            method: 'POST',
            url: '/trpc/auth.signIn',
            headers: { host: HOST, 'content-type': 'application/json', [CSRF_HEADER]: '1' },
            payload: JSON.stringify({ json: { email: DEV, password: DEMO_PASSWORD } }),
          }),
          await broken.inject({
            method: 'GET',
            url: '/trpc/apps.list',
            headers: { host: HOST, cookie: `${SESSION_COOKIE}=ghs_anything` },
          }),
        ]) {
          expect(response.statusCode).toBe(500);
          expect(response.body).not.toContain('app_user');
          expect(response.body).not.toContain('hunter2');
          expect(response.body).not.toContain('/srv/');
          expect(response.body).not.toMatch(/\.ts:\d+|node_modules|stack/i);
          const error = body(response).error!.json;
          expect(error.message).toBe('Something went wrong on our side. Please try again.');
          expect(error.data).toEqual({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, fieldErrors: null });
        }
      } finally {
        await broken.close();
      }
    });
  });

  it('sends protective headers', async () => {
    const response = await query('auth.me', undefined);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });
});
