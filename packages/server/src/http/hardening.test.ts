import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, connectApp, fetchToken, portalClient } from '#test/http-client';
import { buildServer } from './server';

const TENANT = '985798691';
const NUL = '\u0000';
const MARKER = 'nul-probe';

/** A built SPA in miniature: a page, its script, and a source map that must never be served. */
function fakeSpa(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-spa-'));
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(
    path.join(root, 'index.html'),
    '<!doctype html><title>Portal</title><script type="module" src="/assets/app.js"></script>',
  );
  fs.writeFileSync(
    path.join(root, 'assets', 'app.js'),
    'console.log("portal");\n//# sourceMappingURL=app.js.map\n',
  );
  fs.writeFileSync(
    path.join(root, 'assets', 'app.js.map'),
    '{"version":3,"sources":["src/secret-source.tsx"],"mappings":""}',
  );
  return root;
}

async function post(url: string, target: string, headers: Record<string, string>, body: string) {
  const response = await fetch(`${url}${target}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe.each(dialects)('the HTTP edge on %s', (dialect) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let url: string;
  let spaRoot: string;
  let party: ConnectedParty;
  let token: string;
  /** Every line the server logged, as written. */
  const log: string[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    spaRoot = fakeSpa();
    app = await buildServer({
      db: t.db,
      logLevel: 'info',
      usageFlushMs: 0,
      developerPortalDist: spaRoot,
      adminConsoleDist: spaRoot,
      logStream: { write: (line) => void log.push(line) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    url = `http://127.0.0.1:${address.port}`;
    const [dev, admin] = [await t.as(DEV), await t.as(ADMIN)];
    const { parties } = await connectApp(
      dev,
      () => admin,
      { name: 'Edge App', tenantIds: [TENANT], scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'] },
      [{ tenant: TENANT, env: 'integration' }],
    );
    party = parties[0]!;
    token = (await fetchToken(url, 'integration', party.clientId, party.clientSecret)).body.access_token;
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    if (spaRoot) fs.rmSync(spaRoot, { recursive: true, force: true });
  });

  const api = (target: string, options: { method?: string; body?: string } = {}) =>
    fetch(`${url}/integration/api/crm/v2/tenant/${target}`, {
      method: options.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        'st-app-key': party.appKey,
        ...(options.body ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body,
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, any>,
    }));

  describe('control characters', () => {
    it('the resource API refuses them in the path, the query and a JSON body with invalid_request', async () => {
      expect(await api(`${TENANT}/customers`)).toMatchObject({ status: 200 });
      for (const target of [
        `${TENANT}%00/customers`,
        `${TENANT}/customers/1%00`,
        `${TENANT}/customers?page=1%00`,
        `${TENANT}/customers?pageSize=%1b5`,
        `${TENANT}/customers/%C2%85`,
      ]) {
        const answer = await api(target);
        expect({ target, status: answer.status, error: answer.body.error }).toEqual({
          target,
          status: 400,
          error: 'invalid_request',
        });
      }
      const before = (await api(`${TENANT}/customers?pageSize=500`)).body.totalCount;
      const created = await api(`${TENANT}/customers`, {
        method: 'POST',
        body: JSON.stringify({ name: `Ann${NUL}`, type: 'Residential', email: 'ann@example.com' }),
      });
      expect(created).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: expect.any(String),
          fields: { name: expect.any(String) },
        },
      });
      const changed = await api(`${TENANT}/customers/1`, {
        method: 'PATCH',
        body: JSON.stringify({ phone: `555${NUL}` }),
      });
      expect(changed).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', fields: { phone: expect.any(String) } },
      });
      expect((await api(`${TENANT}/customers?pageSize=500`)).body.totalCount).toBe(before);
    });

    it('no request with a NUL anywhere is answered with a 500, and none is logged as an error or with its SQL or input', async () => {
      log.length = 0;
      const client = portalClient(url);
      const refused = async (call: () => Promise<unknown>) =>
        (await call().then(
          () => 'accepted',
          (error: Error) => error.message,
        )) as string;
      expect(
        await refused(() =>
          client.mutate('access.request', {
            name: `${MARKER}${NUL}`,
            email: 'probe@example.com',
            organizationName: MARKER,
            role: 'developer',
          }),
        ),
      ).toMatch(/^access\.request: 400 /);
      await client.signIn(DEV);
      expect(await refused(() => client.query('apps.list', { search: `${MARKER}${NUL}` }))).toMatch(
        /^apps\.list: 400 /,
      );
      expect(
        await refused(() => client.query('audit.list', { view: 'developer', actor: `${MARKER}${NUL}` })),
      ).toMatch(/^audit\.list: 400 /);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const basic = (id: string, secret: string) => ({
        ...form,
        authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      });
      const answers = [
        await post(
          url,
          '/integration/connect/token',
          form,
          new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: `${MARKER}${NUL}`,
            client_secret: 'x',
          }).toString(),
        ),
        await post(
          url,
          '/integration/connect/token',
          basic(`${MARKER}${NUL}`, 'x'),
          'grant_type=client_credentials',
        ),
        await post(
          url,
          '/integration/connect/introspect',
          basic(party.clientId, party.clientSecret),
          new URLSearchParams({ token: `${MARKER}${NUL}` }).toString(),
        ),
        await post(
          url,
          '/integration/connect/revoke',
          basic(party.clientId, party.clientSecret),
          new URLSearchParams({ token: `${MARKER}${NUL}` }).toString(),
        ),
      ];
      expect(answers.map((a) => [a.status, a.body.error])).toEqual(Array(4).fill([400, 'invalid_request']));
      expect(
        (
          await api(`${TENANT}/customers`, {
            method: 'POST',
            body: JSON.stringify({ name: `${MARKER}${NUL}`, type: 'Residential' }),
          })
        ).status,
      ).toBe(400);
      for (const line of log) {
        expect(JSON.parse(line).level, line).toBeLessThan(50);
        expect(line).not.toContain(MARKER);
        expect(line).not.toMatch(/\\u0000|insert into|select /i);
      }
    });
  });

  describe('unreadable bodies', () => {
    it('the resource API answers malformed, oversized or foreign bodies in its own error shape, creating nothing', async () => {
      const before = (await api(`${TENANT}/customers?pageSize=500`)).body.totalCount;
      const send = (body: string, contentType: string) =>
        fetch(`${url}/integration/api/crm/v2/tenant/${TENANT}/customers`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'st-app-key': party.appKey,
            'content-type': contentType,
          },
          body,
        }).then(async (response) => ({ status: response.status, body: await response.json() }));
      expect(await send('{"name": ', 'application/json')).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: 'The request body could not be read.' },
      });
      expect(await send(JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), 'application/json')).toEqual({
        status: 413,
        body: { error: 'invalid_request', error_description: 'The request body is too large.' },
      });
      expect(await send('<customer/>', 'application/xml')).toEqual({
        status: 415,
        body: { error: 'invalid_request', error_description: 'Send the body as application/json.' },
      });
      expect((await api(`${TENANT}/customers?pageSize=500`)).body.totalCount).toBe(before);
    });
  });

  describe('security headers and source maps', () => {
    it('every response carries the policy: a page, a tRPC call, the token endpoint, the resource API, an error', async () => {
      const responses = {
        page: await fetch(`${url}/`),
        clientRoute: await fetch(`${url}/apps/123`),
        trpc: await fetch(`${url}/trpc/auth.me?input=${encodeURIComponent(JSON.stringify({ json: null }))}`, {
          headers: { 'x-gatehouse-csrf': '1' },
        }),
        token: await fetch(`${url}/integration/connect/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        }),
        api: await fetch(`${url}/integration/api/crm/v2/tenant/${TENANT}/customers?pageSize=1`, {
          headers: { authorization: `Bearer ${token}`, 'st-app-key': party.appKey },
        }),
        notFound: await fetch(`${url}/healthz/nothing-here`),
      };
      expect(responses.page.status).toBe(200);
      expect(responses.api.status).toBe(200);
      for (const [name, response] of Object.entries(responses)) {
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp, name).toContain("default-src 'self'");
        expect(csp, name).toContain("frame-ancestors 'none'");
        expect(csp, name).toMatch(/script-src 'self'(;|$)/);
        expect(csp, name).not.toContain('unsafe-inline');
        expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
        expect(response.headers.get('referrer-policy'), name).toBe('same-origin');
        expect(response.headers.get('x-frame-options'), name).toBe('DENY');
        expect(response.headers.get('x-powered-by'), name).toBeNull();
      }
    });

    it('serves the SPA script but never its source map', async () => {
      expect((await fetch(`${url}/assets/app.js`)).status).toBe(200);
      for (const map of ['/assets/app.js.map', '/admin/assets/app.js.map']) {
        const response = await fetch(`${url}${map}`);
        expect({ map, status: response.status }).toEqual({ map, status: 404 });
        expect(await response.text()).not.toContain('secret-source');
      }
    });
  });

  describe('a database failure', () => {
    it('is logged by type and code, without the statement or what the client sent', async () => {
      await t.db
        .em()
        .getConnection()
        .execute(
          dialect === 'postgresql' ? 'drop table access_request cascade' : 'drop table access_request',
        );
      log.length = 0;
      const failure = await portalClient(url)
        .mutate('access.request', {
          name: `${MARKER} person`,
          email: 'probe2@example.com',
          organizationName: `${MARKER} org`,
          role: 'developer',
        })
        .then(
          () => 'accepted',
          (error: Error) => error.message,
        );
      expect(failure).toMatch(/^access\.request: 500 Something went wrong on our side/);
      const errors = log.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        msg: 'procedure failed',
        procedure: 'access.request',
        err: {
          type: 'TableNotFoundException',
          message: expect.stringMatching(/no such table|does not exist/),
        },
      });
      for (const line of log) {
        expect(line).not.toContain(MARKER);
        expect(line).not.toMatch(/insert into|select /i);
      }
    });
  });
});
