import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, ADMIN2, DEV, DEV2, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, connectApp, fetchToken, listen } from '#test/http-client';
import { Connection, ResourceRecord } from '../db/entities';
import { openDatabase } from '../db/orm';
import { recordEvent } from '../events/record';
import { buildServer } from '../http/server';
import { loadSigningKeys } from '../oauth/keys';
import type { AccessTokenClaims } from '../oauth/token-format';
import { signAccessToken } from '../oauth/tokens';
import { DEMO_PASSWORD } from '../seed/demo';
import { DEMO_RESOURCES } from './demo-data';

const T1 = '985798691';
const T2 = '100200300';
const path = (
  resource: string,
  options: { env?: string; tenant?: string; id?: string | number; query?: string } = {},
) =>
  `/${options.env ?? 'integration'}/api/${resource.replace('/', `/v2/tenant/${options.tenant ?? T1}/`)}${options.id === undefined ? '' : `/${options.id}`}${options.query ? `?${options.query}` : ''}`;

/** One resource-API call with exactly the headers given. */
async function send(
  url: string,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string } = {},
) {
  const headers = { ...options.headers };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${url}${target}`, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { unparsed: text.slice(0, 80) };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

const bearer = (token: string, appKey: string) => ({
  authorization: `Bearer ${token}`,
  'st-app-key': appKey,
});

/** Re-encodes a token's payload with a change, keeping the original signature. */
function withClaims(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return [
    header,
    Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url'),
    signature,
  ].join('.');
}

async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<{ value: T; elapsedMs: number }> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - start > timeoutMs) return { value, elapsedMs: Date.now() - start };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ALL_READS = [
  'tn.crm.customers:r',
  'tn.crm.locations:r',
  'tn.settings.employees:r',
  'tn.settings.technicians:r',
  'tn.acc.invoices:r',
  'tn.telecom.calls:r',
];

interface Party extends ConnectedParty {
  token: string;
}

describe.each(dialects)('resource API gate on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let admin: Awaited<ReturnType<TestDatabase['as']>>;
  let admin2: Awaited<ReturnType<TestDatabase['as']>>;
  let appCount = 0;

  /** An app connected where asked, with a token for each connection; the first connection's stands for the app. */
  async function party(
    scopes: string[],
    where: { tenant?: string; env?: 'integration' | 'production' }[] = [{}],
    owner = dev,
  ): Promise<Party & { name: string; others: Party[] }> {
    const { name, parties } = await connectApp(
      owner,
      (tenant) => (tenant === T1 ? admin : admin2),
      { name: `Gated ${++appCount}`, tenantIds: [T1, T2], scopes },
      where.map(({ tenant = T1, env = 'integration' }) => ({ tenant, env })),
    );
    const withTokens: Party[] = [];
    for (const [index, connected] of parties.entries()) {
      const { body } = await fetchToken(
        server.url,
        where[index]!.env ?? 'integration',
        connected.clientId,
        connected.clientSecret,
      );
      withTokens.push({ ...connected, token: body.access_token });
    }
    return { ...withTokens[0]!, name, others: withTokens.slice(1) };
  }

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    // These tables send dozens of refusals a second from one address, far beyond what the per-address hold allows.
    server = await listen(t, { failureLimit: { calls: 100_000, windowMs: 1000 } });
    [dev, admin, admin2] = await Promise.all([t.as(DEV), t.as(ADMIN), t.as(ADMIN2)]);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  describe('refusals', () => {
    /** A: every read plus customers :w and leads :r, in T1 and T2 and production; B: customers :r only; C: deleted. */
    let a: Party & { t2: Party; production: Party };
    let b: Party;
    let deleted: Party & { name: string };
    const forged: Record<string, string> = {};

    beforeAll(async () => {
      const { others, ...first } = await party(
        [...ALL_READS, 'tn.crm.customers:w', 'tn.crm.leads:r'],
        [{}, { tenant: T2 }, { env: 'production' }],
      );
      a = { ...first, t2: others[0]!, production: others[1]! };
      b = await party(['tn.crm.customers:r'], [{}], await t.as(DEV2));
      deleted = await party(['tn.crm.customers:r']);
      await dev.apps.delete({ appId: deleted.appId, confirmName: deleted.name });

      const claims = decodeJwt(a.token) as unknown as AccessTokenClaims;
      const { kid } = decodeProtectedHeader(a.token);
      const foreign = await generateKeyPair('ES256');
      const keys = await loadSigningKeys(t.db.em());
      const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims;
      forged.foreignKey = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid! })
        .sign(foreign.privateKey);
      forged.unknownKid = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'nope' })
        .sign(foreign.privateKey);
      forged.plainJwt = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.current.kid })
        .sign(keys.current.key);
      forged.expired = (await signAccessToken(keys, rest, Math.floor(Date.now() / 1000) - 901)).token;
      forged.algNone = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid })).toString('base64url')}.${a.token.split('.')[1]}.`;
      forged.tamperedScope = withClaims(a.token, { scope: `${claims.scope} tn.acc.invoices:w` });
      forged.tamperedTenant = withClaims(a.token, { tenant: T2 });
      forged.tamperedSignature = `${a.token.slice(0, -4)}${a.token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    });

    type Row = {
      name: string;
      target: () => string;
      headers: () => Record<string, string>;
      method?: string;
      body?: unknown;
      status: number;
      error: string;
      challenge?: RegExp;
      scope?: string;
      /** Passed the gate: carries the rate-limit headers. */
      gated?: boolean;
    };
    const customers = () => path('crm/customers');
    const rows: Row[] = [
      {
        name: 'no ST-App-Key',
        target: customers,
        headers: () => ({ authorization: `Bearer ${a.token}` }),
        status: 401,
        error: 'invalid_app_key',
        challenge: /^Bearer realm=/,
      },
      {
        name: 'an unknown ST-App-Key',
        target: customers,
        headers: () => bearer(a.token, 'ghk_unknownkey0000000000000000000000'),
        status: 401,
        error: 'invalid_app_key',
        challenge: /^Bearer /,
      },
      {
        name: 'an overlong ST-App-Key',
        target: customers,
        headers: () => bearer(a.token, 'k'.repeat(2000)),
        status: 401,
        error: 'invalid_app_key',
      },
      {
        name: "a deleted app's key with its own token",
        target: customers,
        headers: () => bearer(deleted.token, deleted.appKey),
        status: 401,
        error: 'invalid_app_key',
      },
      {
        name: 'no Authorization',
        target: customers,
        headers: () => ({ 'st-app-key': a.appKey }),
        status: 401,
        error: 'invalid_token',
        challenge: /^Bearer /,
      },
      {
        name: "'Bearer ' and nothing",
        target: customers,
        headers: () => ({ authorization: 'Bearer ', 'st-app-key': a.appKey }),
        status: 401,
        error: 'invalid_token',
        challenge: /^Bearer /,
      },
      {
        name: 'a garbage token',
        target: customers,
        headers: () => bearer('garbage', a.appKey),
        status: 401,
        error: 'invalid_token',
        challenge: /^Bearer .*error="invalid_token"/,
      },
      {
        name: 'Basic credentials instead of a token',
        target: customers,
        headers: () => ({
          authorization: `Basic ${Buffer.from(`${a.clientId}:${a.clientSecret}`).toString('base64')}`,
          'st-app-key': a.appKey,
        }),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'the client secret as a token',
        target: customers,
        headers: () => bearer(a.clientSecret, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a token with a widened scope',
        target: () => path('accounting/invoices'),
        method: 'POST',
        body: {},
        headers: () => bearer(forged.tamperedScope!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a token moved to another tenant',
        target: () => path('crm/customers', { tenant: T2 }),
        headers: () => bearer(forged.tamperedTenant!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a token with a broken signature',
        target: customers,
        headers: () => bearer(forged.tamperedSignature!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'an unsigned token (alg none)',
        target: customers,
        headers: () => bearer(forged.algNone!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a token signed by a foreign key under our kid',
        target: customers,
        headers: () => bearer(forged.foreignKey!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a token with an unknown kid',
        target: customers,
        headers: () => bearer(forged.unknownKid!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'our signature on a typ JWT token',
        target: customers,
        headers: () => bearer(forged.plainJwt!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'an expired token',
        target: customers,
        headers: () => bearer(forged.expired!, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: "another app's token with A's key",
        target: customers,
        headers: () => bearer(b.token, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: "A's token with another app's key",
        target: customers,
        headers: () => bearer(a.token, b.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: "a T1 token on T2's path, though A is connected there too",
        target: () => path('crm/customers', { tenant: T2 }),
        headers: () => bearer(a.token, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: "a T2 token on T1's path",
        target: customers,
        headers: () => bearer(a.t2.token, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'an integration token on the production path',
        target: () => path('crm/customers', { env: 'production' }),
        headers: () => bearer(a.token, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a production token on the integration path',
        target: customers,
        headers: () => bearer(a.production.token, a.appKey),
        status: 401,
        error: 'invalid_token',
      },
      {
        name: 'a write without :w',
        target: customers,
        method: 'POST',
        body: { name: 'Nope', type: 'Residential' },
        headers: () => bearer(b.token, b.appKey),
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.crm.customers:w',
        challenge: /error="insufficient_scope", scope="tn\.crm\.customers:w"/,
      },
      {
        name: 'a PATCH without :w',
        target: () => path('crm/customers', { id: 8_692_001 }),
        method: 'PATCH',
        body: { name: 'Nope' },
        headers: () => bearer(b.token, b.appKey),
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.crm.customers:w',
      },
      {
        name: 'a read of a resource not granted',
        target: () => path('accounting/invoices'),
        headers: () => bearer(b.token, b.appKey),
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.acc.invoices:r',
      },
      {
        name: 'a write to a read-only grant',
        target: () => path('crm/locations', { id: 8_696_001 }),
        method: 'PATCH',
        body: {},
        headers: () => bearer(a.token, a.appKey),
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.crm.locations:w',
      },
      {
        name: 'a DELETE without :w',
        target: () => path('telecom/calls', { id: 1 }),
        method: 'DELETE',
        headers: () => bearer(a.token, a.appKey),
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.telecom.calls:w',
      },
      {
        name: 'an unknown customer',
        target: () => path('crm/customers', { id: 999_999 }),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: "another tenant's customer id",
        target: () => path('crm/customers', { id: 301_001 }),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: 'a non-numeric id',
        target: () => path('crm/customers', { id: 'abc' }),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: 'an unknown invoice',
        target: () => path('accounting/invoices', { id: 0 }),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: 'a PATCH of an unknown customer',
        target: () => path('crm/customers', { id: 999_999 }),
        method: 'PATCH',
        body: { name: 'Ghost' },
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: 'a catalog resource the demo API has no data for',
        target: () => path('crm/leads'),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
        gated: true,
      },
      {
        name: 'a resource outside the catalog, even without credentials',
        target: () => path('crm/unicorns'),
        headers: () => ({}),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'an area outside the catalog',
        target: () => path('weather/forecasts'),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'a resource under the wrong area',
        target: () => path('accounting/customers'),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'an unknown environment',
        target: () => path('crm/customers', { env: 'staging' }),
        headers: () => bearer(a.token, a.appKey),
        status: 404,
        error: 'not_found',
      },
      {
        name: 'pageSize 501',
        target: () => path('crm/customers', { query: 'pageSize=501' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'page 0',
        target: () => path('crm/customers', { query: 'page=0' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'pageSize 0',
        target: () => path('settings/employees', { query: 'pageSize=0' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'page -1',
        target: () => path('telecom/calls', { query: 'page=-1' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'a fractional page',
        target: () => path('accounting/invoices', { query: 'page=1.5' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'a non-numeric pageSize',
        target: () => path('crm/locations', { query: 'pageSize=all' }),
        headers: () => bearer(a.token, a.appKey),
        status: 400,
        error: 'invalid_request',
        gated: true,
      },
      {
        name: 'a method the resource does not take',
        target: () => path('crm/customers', { id: 8_692_001 }),
        method: 'DELETE',
        headers: () => bearer(a.token, a.appKey),
        status: 405,
        error: 'method_not_allowed',
        gated: true,
      },
    ];

    it.each(rows)(
      '$status $error for $name',
      async ({ target, headers, method, body, status, error, challenge, scope, gated }) => {
        const response = await send(server.url, target(), { method, headers: headers(), body });
        expect({ status: response.status, error: response.body?.error }).toEqual({ status, error });
        expect(response.body.error_description).toEqual(expect.any(String));
        if (challenge) expect(response.headers.get('www-authenticate')).toMatch(challenge);
        if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        if (scope) expect(response.body.scope).toBe(scope);
        if (gated) {
          expect(response.headers.get('x-ratelimit-limit')).toBe('60');
          expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
        }
        // Nothing about the caller's data leaks into a refusal.
        expect(JSON.stringify(response.body)).not.toMatch(/Glendale|customer\d+@example\.com/);
      },
    );

    it('reports the quota on a 403, where the app and tenant are known', async () => {
      const response = await send(server.url, path('accounting/invoices'), {
        headers: bearer(b.token, b.appKey),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-ratelimit-limit')).toBe('60');
      expect(response.headers.get('x-ratelimit-remaining')).toEqual(expect.stringMatching(/^\d+$/));
    });

    // With the SPAs built, a mistyped resource-API path must still answer a JSON 404, never the portal page.
    it('an API path no route matches answers 404, not the portal page', async () => {
      const dist = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'gatehouse-spa-'));
      fs.writeFileSync(nodePath.join(dist, 'index.html'), '<!doctype html><title>portal</title>');
      // Another instance of the same deployment: it issues and accepts tokens under the same public URL.
      const withSpa = await buildServer({
        db: t.db,
        logLevel: 'warn',
        usageFlushMs: 0,
        developerPortalDist: dist,
        adminConsoleDist: dist,
        publicUrl: server.app.runtime.state.issuer.base,
      });
      try {
        for (const target of [
          `/integration/api/crm/v3/tenant/${T1}/customers`,
          `/integration/api/crm/v2/tenant/${T1}/customers/1/notes`,
          `/integration/api/crm/v2/tenant/${T1}/customers/${'1'.repeat(101)}`,
          '/integration/connect/token',
        ]) {
          const response = await withSpa.inject({
            method: 'GET',
            url: target,
            headers: bearer(a.token, a.appKey),
          });
          expect({ target, status: response.statusCode }).toEqual({ target, status: 404 });
          expect(response.headers['content-type']).toMatch(/^application\/json/);
        }
      } finally {
        await withSpa.close();
        fs.rmSync(dist, { recursive: true, force: true });
      }
    });

    it('names the bad paging fields', async () => {
      const response = await send(server.url, path('crm/customers', { query: 'page=0&pageSize=501' }), {
        headers: bearer(a.token, a.appKey),
      });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.fields).sort()).toEqual(['page', 'pageSize']);
    });

    it('a refusal before the key is known still answers quickly for many bad keys (no 500s)', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          send(server.url, path('crm/customers'), { headers: bearer(a.token, `ghk_${i}`) }),
        ),
      );
      expect(new Set(answers.map((r) => r.status))).toEqual(new Set([401]));
    });
  });

  describe('reads', () => {
    let reader: Party & { others: Party[] };
    beforeAll(async () => {
      reader = await party(ALL_READS, [{}, { tenant: T2 }, { env: 'production' }]);
    });

    it.each(Object.entries(DEMO_RESOURCES))(
      'lists %s in pages and reads each record by id',
      async (resource, total) => {
        const headers = bearer(reader.token, reader.appKey);
        const all = await send(server.url, path(resource, { query: 'pageSize=500' }), { headers });
        expect(all.status).toBe(200);
        expect(all.body).toMatchObject({ page: 1, pageSize: 500, totalCount: total, hasMore: false });
        expect(all.body.data).toHaveLength(total);
        expect(all.headers.get('x-ratelimit-limit')).toBe('60');
        expect(Number(all.headers.get('x-ratelimit-remaining'))).toBeLessThan(60);

        const second = await send(server.url, path(resource, { query: 'page=2&pageSize=7' }), { headers });
        expect(second.body).toMatchObject({ page: 2, pageSize: 7, totalCount: total, hasMore: true });
        expect(second.body.data).toEqual(all.body.data.slice(7, 14));
        const last = await send(
          server.url,
          path(resource, { query: `page=${Math.ceil(total / 7)}&pageSize=7` }),
          { headers },
        );
        expect(last.body.hasMore).toBe(false);

        const record = all.body.data[3];
        const one = await send(server.url, path(resource, { id: record.id }), { headers });
        expect(one.status).toBe(200);
        expect(one.body).toEqual(record);
        expect(one.headers.get('x-ratelimit-remaining')).toEqual(expect.stringMatching(/^\d+$/));
      },
    );

    it('defaults to page 1 of 50', async () => {
      const response = await send(server.url, path('telecom/calls'), {
        headers: bearer(reader.token, reader.appKey),
      });
      expect(response.body).toMatchObject({ page: 1, pageSize: 50, totalCount: 300, hasMore: true });
      expect(response.body.data).toHaveLength(50);
    });

    it.each([
      { name: 'bare, as the platform clients send it', authorization: (token: string) => token },
      { name: 'with a lower-case scheme', authorization: (token: string) => `bearer ${token}` },
      { name: 'with extra spaces', authorization: (token: string) => `  Bearer   ${token}  ` },
    ])('takes the token $name', async ({ authorization }) => {
      const response = await send(server.url, path('crm/customers', { query: 'pageSize=1' }), {
        headers: { authorization: authorization(reader.token), 'st-app-key': reader.appKey },
      });
      expect(response.status).toBe(200);
    });

    it("answers from each tenant's and each environment's own data", async () => {
      const [t2, production] = reader.others as [Party, Party];
      const first = async (p: Party, tenant: string, env: string) =>
        (
          await send(server.url, path('crm/customers', { tenant, env, query: 'pageSize=5' }), {
            headers: bearer(p.token, p.appKey),
          })
        ).body.data as { id: number; name: string }[];
      const here = await first(reader, T1, 'integration');
      const there = await first(t2, T2, 'integration');
      const live = await first(production, T1, 'production');
      expect(here).toHaveLength(5);
      expect(there).toHaveLength(5);
      expect(live).toHaveLength(5);
      expect(new Set([...here, ...there, ...live].map((c) => c.id)).size).toBe(15);
      expect(here.map((c) => c.name)).not.toEqual(there.map((c) => c.name));
      expect(here.map((c) => c.name)).not.toEqual(live.map((c) => c.name));
    });
  });

  describe('writes', () => {
    let writer: Party;
    const headers = () => bearer(writer.token, writer.appKey);
    const total = async () =>
      (await send(server.url, path('crm/customers', { query: 'pageSize=1' }), { headers: headers() })).body
        .totalCount as number;
    beforeAll(async () => {
      writer = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
    });

    it.each([
      { name: 'an empty object', body: {}, fields: ['name', 'type'] },
      { name: 'a blank name', body: { name: '   ', type: 'Residential' }, fields: ['name'] },
      { name: 'an overlong name', body: { name: 'x'.repeat(101), type: 'Residential' }, fields: ['name'] },
      { name: 'an unknown type', body: { name: 'Ok', type: 'Industrial' }, fields: ['type'] },
      {
        name: 'a bad email',
        body: { name: 'Ok', type: 'Commercial', email: 'not-an-email' },
        fields: ['email'],
      },
      {
        name: 'a non-boolean active',
        body: { name: 'Ok', type: 'Commercial', active: 'yes' },
        fields: ['active'],
      },
      { name: 'an array', body: [{ name: 'Ok', type: 'Commercial' }], fields: undefined },
      { name: 'a JSON null', body: null, fields: undefined },
      { name: 'a text body', raw: 'name=Ok&type=Residential', fields: undefined },
    ])('refuses a POST with $name, and creates nothing', async ({ body, raw, fields }) => {
      const before = await total();
      const response = await send(server.url, path('crm/customers'), {
        method: 'POST',
        headers: raw ? { ...headers(), 'content-type': 'text/plain' } : headers(),
        body: raw ? undefined : body,
        rawBody: raw,
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
      if (fields) expect(Object.keys(response.body.fields).sort()).toEqual(fields);
      expect(await total()).toBe(before);
    });

    it('creates a customer with POST, then reads it back and lists it', async () => {
      const before = await total();
      const created = await send(server.url, path('crm/customers'), {
        method: 'POST',
        headers: headers(),
        body: { name: '  Gate Test Customer ', type: 'Commercial', email: 'gate@example.com' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        name: 'Gate Test Customer',
        type: 'Commercial',
        email: 'gate@example.com',
        active: true,
        modifiedOn: expect.any(String),
      });
      expect(created.headers.get('x-ratelimit-limit')).toBe('60');
      expect(await total()).toBe(before + 1);
      const read = await send(server.url, path('crm/customers', { id: created.body.id }), {
        headers: headers(),
      });
      expect(read.body).toEqual(created.body);
      const listed = await send(
        server.url,
        path('crm/customers', { query: `page=${before + 1}&pageSize=1` }),
        { headers: headers() },
      );
      expect(listed.body.data).toEqual([created.body]);
    });

    it('changes a customer with PATCH, and only the fields sent', async () => {
      const original = (
        await send(server.url, path('crm/customers', { query: 'pageSize=1' }), { headers: headers() })
      ).body.data[0];
      const patched = await send(server.url, path('crm/customers', { id: original.id }), {
        method: 'PATCH',
        headers: headers(),
        body: { name: 'Renamed By Gate Test', active: false },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({
        ...original,
        name: 'Renamed By Gate Test',
        active: false,
        modifiedOn: expect.any(String),
      });
      expect(patched.body.modifiedOn).not.toBe(original.modifiedOn);
      const read = await send(server.url, path('crm/customers', { id: original.id }), { headers: headers() });
      expect(read.body).toEqual(patched.body);
    });

    it.each([
      { name: 'an unknown type', body: { type: 'Industrial' } },
      { name: 'an unknown field', body: { id: 5, name: 'Sneaky' } },
      { name: 'a blank name', body: { name: '' } },
      { name: 'an array', body: [] },
    ])('refuses a PATCH with $name, and changes nothing', async ({ body }) => {
      const original = (
        await send(server.url, path('crm/customers', { query: 'page=2&pageSize=1' }), { headers: headers() })
      ).body.data[0];
      const response = await send(server.url, path('crm/customers', { id: original.id }), {
        method: 'PATCH',
        headers: headers(),
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
      expect(
        (await send(server.url, path('crm/customers', { id: original.id }), { headers: headers() })).body,
      ).toEqual(original);
    });

    it('concurrent creates, on one server or across two, all succeed with distinct ids', async () => {
      const racer = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
      const second = await listen(t, { publicUrl: server.app.runtime.state.issuer.base });
      // Seeded before counting.
      expect(
        (
          await send(server.url, path('crm/customers', { query: 'pageSize=1' }), {
            headers: bearer(racer.token, racer.appKey),
          })
        ).status,
      ).toBe(200);
      const stored = () =>
        t.db
          .em()
          .count(ResourceRecord, { tenantId: T1, environment: 'integration', resource: 'crm/customers' });
      try {
        const before = await stored();
        const answers = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            send(i % 2 ? second.url : server.url, path('crm/customers'), {
              method: 'POST',
              headers: bearer(racer.token, racer.appKey),
              body: { name: `Racer ${i}`, type: 'Residential' },
            }),
          ),
        );
        expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(201));
        expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(30);
        expect(await stored()).toBe(before + 30);
      } finally {
        await second.close();
      }
    });

    it.each([
      { method: 'PATCH', target: () => path('crm/customers'), body: { name: 'x' } },
      {
        method: 'POST',
        target: () => path('crm/customers', { id: 8_692_001 }),
        body: { name: 'x', type: 'Residential' },
      },
      {
        method: 'PUT',
        target: () => path('crm/customers', { id: 8_692_001 }),
        body: { name: 'x', type: 'Residential' },
      },
    ])('answers 405 with Allow to $method where it does not apply', async ({ method, target, body }) => {
      const response = await send(server.url, target(), { method, headers: headers(), body });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toMatch(/^GET, (POST|PATCH)$/);
    });
  });

  describe('the one-second rule', () => {
    const read = (p: Party) =>
      send(server.url, path('crm/customers', { query: 'pageSize=1' }), {
        headers: bearer(p.token, p.appKey),
      });

    it('a disabled connection fails on the very next call, and a restored one works again with the same token', async () => {
      const p = await party(['tn.crm.customers:r']);
      for (let i = 0; i < 5; i++) expect((await read(p)).status).toBe(200);
      await admin.connections.disable({ connectionId: p.connectionId });
      const refused = await read(p);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_token');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      expect((await fetchToken(server.url, 'integration', p.clientId, p.clientSecret)).body.error).toBe(
        'invalid_client',
      );

      await admin.connections.restore({ connectionId: p.connectionId });
      expect((await read(p)).status).toBe(200);
    });

    it('a deleted app fails on the very next call', async () => {
      const p = await party(['tn.crm.customers:r']);
      for (let i = 0; i < 5; i++) expect((await read(p)).status).toBe(200);
      await dev.apps.delete({ appId: p.appId, confirmName: p.name });
      const refused = await read(p);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_app_key');
      expect((await fetchToken(server.url, 'integration', p.clientId, p.clientSecret)).status).toBe(401);
    });

    // Another instance commits its change and its event; nothing tells this one but the change feed. The
    // bound leaves room for a loaded machine's request latency on top of the feed's poll.
    const remoteChange = async (status: 'disabled' | 'connected', connectionId: string) => {
      await t.db.em().transactional(async (tx) => {
        await tx.nativeUpdate(Connection, { id: connectionId }, { status });
        recordEvent(tx, {
          type: status === 'disabled' ? 'connection.disabled' : 'connection.restored',
          connectionId,
        });
      });
    };
    it('a change made by another instance takes effect within a second', async () => {
      const p = await party(['tn.crm.customers:r']);
      expect((await read(p)).status).toBe(200);
      await remoteChange('disabled', p.connectionId);
      const off = await eventually(
        () => read(p),
        (r) => r.status === 401,
        3000,
      );
      expect(off.value.status).toBe(401);
      expect(off.elapsedMs).toBeLessThan(2000);

      await remoteChange('connected', p.connectionId);
      const on = await eventually(
        () => read(p),
        (r) => r.status === 200,
        3000,
      );
      expect(on.value.status).toBe(200);
      expect(on.elapsedMs).toBeLessThan(2000);
    });

    it('a change drops only what it touched: other connections and apps stay warm', async () => {
      const touched = await party(['tn.crm.customers:r']);
      const bystander = await party(['tn.crm.customers:r']);
      const token = await fetchToken(server.url, 'integration', bystander.clientId, bystander.clientSecret);
      expect(token.status).toBe(200);
      for (const p of [touched, bystander]) expect((await read(p)).status).toBe(200);
      const misses = () => {
        const stats = server.app.runtime.state.cacheStats();
        const of = (cache: string) => stats.find((s) => s.cache === cache)?.misses ?? Number.NaN;
        return {
          proofs: of('proofs'),
          connections: of('connections'),
          apps: of('apps'),
          clients: of('clients'),
        };
      };
      const before = misses();
      // A rename, a disable of another connection, a sign-in: none of them touches the bystander.
      await dev.apps.updateDetails({
        appId: bystander.appId,
        name: `Renamed ${bystander.name}`,
        homePageUrl: 'https://acme.example',
        kind: 'private',
        credentialsMode: 'tenant_admin',
      });
      await admin.connections.disable({ connectionId: touched.connectionId });
      await t.anonymous().auth.signIn({ email: DEV, password: DEMO_PASSWORD });
      expect((await read(touched)).status).toBe(401);
      expect((await read(bystander)).status).toBe(200);
      expect(
        (await fetchToken(server.url, 'integration', bystander.clientId, bystander.clientSecret)).status,
      ).toBe(200);
      const after = misses();
      // The touched connection reloads (one miss each for its proof and its connection); the bystander's
      // proof, connection, app and client are all hits.
      expect(after.proofs).toBe(before.proofs + 1);
      expect(after.connections).toBe(before.connections + 1);
      expect(after.apps).toBe(before.apps);
      expect(after.clients).toBe(before.clients);
    });
  });
  describe('a token proves what it claims (RFC 9068 §4, RFC 6750 §3.1)', () => {
    const read = (p: Party, token = p.token, url = server.url) =>
      send(url, path('crm/customers', { query: 'pageSize=1' }), { headers: bearer(token, p.appKey) });
    const write = (p: Party, token = p.token, url = server.url) =>
      send(url, path('crm/customers'), {
        method: 'POST',
        headers: bearer(token, p.appKey),
        body: { name: 'Scoped Write', type: 'Residential' },
      });
    const expectInvalidToken = (response: Awaited<ReturnType<typeof send>>) => {
      expect({ status: response.status, error: response.body.error }).toEqual({
        status: 401,
        error: 'invalid_token',
      });
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="gatehouse", error="invalid_token"/,
      );
    };

    it('a request with no token gets the Bearer challenge without an error code; a bad token gets invalid_token', async () => {
      const p = await party(['tn.crm.customers:r']);
      const missing = await send(server.url, path('crm/customers'), { headers: { 'st-app-key': p.appKey } });
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      const bad = await send(server.url, path('crm/customers'), { headers: bearer('garbage', p.appKey) });
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="gatehouse", error="invalid_token"/);
    });

    it("a Host header changes neither the metadata nor a token's issuer and audience", async () => {
      const p = await party(['tn.crm.customers:r']);
      const evil = { host: 'evil.example' };
      for (const url of [
        '/integration/.well-known/oauth-authorization-server',
        '/.well-known/oauth-authorization-server/integration',
      ]) {
        const metadata = (await server.app.inject({ method: 'GET', url, headers: evil })).json();
        expect(metadata.issuer).toBe(`${server.url}/integration`);
        expect(JSON.stringify(metadata)).not.toContain('evil.example');
      }
      const issued = await server.app.inject({
        method: 'POST',
        url: '/integration/connect/token',
        headers: {
          ...evil,
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${p.clientId}:${p.clientSecret}`).toString('base64')}`,
        },
        payload: 'grant_type=client_credentials',
      });
      expect(issued.statusCode).toBe(200);
      const token = issued.json().access_token as string;
      expect(decodeJwt(token)).toMatchObject({
        iss: `${server.url}/integration`,
        aud: `${server.url}/integration/api`,
      });
      expect((await read(p, token)).status).toBe(200);
    });

    it('answers the metadata at the path-inserted well-known URL too (RFC 8414 §3.1), per environment', async () => {
      for (const env of ['integration', 'production']) {
        const inserted = await send(server.url, `/.well-known/oauth-authorization-server/${env}`);
        const classic = await send(server.url, `/${env}/.well-known/oauth-authorization-server`);
        expect(inserted.status).toBe(200);
        expect(inserted.body).toEqual(classic.body);
        expect(inserted.body.issuer).toBe(`${server.url}/${env}`);
      }
      expect((await send(server.url, '/.well-known/oauth-authorization-server/staging')).status).toBe(404);
    });

    it('refuses a token signed with our key for another issuer, another audience or the other environment', async () => {
      const p = await party(['tn.crm.customers:r'], [{}, { env: 'production' }]);
      const keys = await loadSigningKeys(t.db.em());
      const {
        iat: _iat,
        exp: _exp,
        jti: _jti,
        ...claims
      } = decodeJwt(p.token) as unknown as AccessTokenClaims;
      const signed = async (change: Partial<AccessTokenClaims>) =>
        (await signAccessToken(keys, { ...claims, ...change })).token;
      // The same claims signed again are accepted: only the changed claim makes the difference.
      expect((await read(p, await signed({}))).status).toBe(200);
      expectInvalidToken(await read(p, await signed({ iss: 'http://evil.example/integration' })));
      expectInvalidToken(await read(p, await signed({ aud: 'http://evil.example/integration/api' })));
      expectInvalidToken(
        await read(p, await signed({ iss: `${server.url}/production`, aud: `${server.url}/production/api` })),
      );
      expectInvalidToken(await read(p, await signed({ aud: `${server.url}/integration` })));
      // The production connection's own token, at the integration path.
      expectInvalidToken(await read(p, p.others[0]!.token));
    });

    it('a token dies with the secret it was issued with; a token of another live secret lives on', async () => {
      const p = await party(['tn.crm.customers:r']);
      const rotated = await admin.connections.rotateSecret({ connectionId: p.connectionId, graceHours: 24 });
      const fresh = (await fetchToken(server.url, 'integration', rotated.clientId, rotated.clientSecret)).body
        .access_token as string;
      // During the grace period both secrets' tokens work.
      expect((await read(p)).status).toBe(200);
      expect((await read(p, fresh)).status).toBe(200);

      const { secrets } = await admin.connections.get({ connectionId: p.connectionId });
      const leaked = secrets.find((s) => s.expiresAt !== null)!;
      await admin.connections.revokeSecret({ connectionId: p.connectionId, secretId: leaked.id });
      expectInvalidToken(await read(p));
      expect((await read(p, fresh)).status).toBe(200);
    });

    it("old-secret tokens work through a rotation's grace period and stop when it ends", async () => {
      const p = await party(['tn.crm.customers:r']);
      const second = await admin.connections.rotateSecret({ connectionId: p.connectionId, graceHours: 24 });
      const secondToken = (await fetchToken(server.url, 'integration', second.clientId, second.clientSecret))
        .body.access_token as string;
      expect((await read(p)).status).toBe(200);
      // A rotation with no grace ends every earlier secret now, and their tokens with them.
      const third = await admin.connections.rotateSecret({ connectionId: p.connectionId, graceHours: 0 });
      const thirdToken = (await fetchToken(server.url, 'integration', third.clientId, third.clientSecret))
        .body.access_token as string;
      expectInvalidToken(await read(p));
      expectInvalidToken(await read(p, secondToken));
      expect((await read(p, thirdToken)).status).toBe(200);
    });

    it('an upgrade that removes a scope ends it for earlier tokens; the kept scopes still work', async () => {
      const p = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
      expect((await write(p)).status).toBe(201);
      await dev.apps.saveScopes({ appId: p.appId, scopes: ['tn.crm.customers:r'] });
      // Offered, not yet accepted: the tenant's grant still stands.
      expect((await write(p)).status).toBe(201);
      await admin.connections.upgrade({ connectionId: p.connectionId, toVersion: 2 });
      const refused = await write(p);
      expect({ status: refused.status, error: refused.body.error, scope: refused.body.scope }).toEqual({
        status: 403,
        error: 'insufficient_scope',
        scope: 'tn.crm.customers:w',
      });
      expect(refused.headers.get('www-authenticate')).toMatch(
        /error="insufficient_scope", scope="tn\.crm\.customers:w"/,
      );
      expect((await read(p)).status).toBe(200);
    });

    it('a revoked secret and a removed scope take effect within a second on another instance of the fleet', async () => {
      const config = t.db.orm.config;
      const other = await openDatabase(
        dialect === 'postgresql' ? config.get('clientUrl')! : `file:${config.get('dbName')}`,
      );
      const fleet = await buildServer({
        db: other,
        logLevel: 'warn',
        usageFlushMs: 0,
        publicUrl: server.app.runtime.state.issuer.base,
      });
      await fleet.listen({ port: 0, host: '127.0.0.1' });
      const address = fleet.server.address();
      const otherUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      try {
        const leak = await party(['tn.crm.customers:r']);
        const narrowed = await party(['tn.crm.customers:r', 'tn.crm.customers:w']);
        // Both warm on the other instance: its caches hold the access as it was.
        expect((await read(leak, leak.token, otherUrl)).status).toBe(200);
        expect((await write(narrowed, narrowed.token, otherUrl)).status).toBe(201);

        const { secrets } = await admin.connections.get({ connectionId: leak.connectionId });
        await admin.connections.revokeSecret({ connectionId: leak.connectionId, secretId: secrets[0]!.id });
        const revoked = await eventually(
          () => read(leak, leak.token, otherUrl),
          (r) => r.status === 401,
          1000,
        );
        expectInvalidToken(revoked.value);

        await dev.apps.saveScopes({ appId: narrowed.appId, scopes: ['tn.crm.customers:r'] });
        await admin.connections.upgrade({ connectionId: narrowed.connectionId, toVersion: 2 });
        const removed = await eventually(
          () => write(narrowed, narrowed.token, otherUrl),
          (r) => r.status === 403,
          1000,
        );
        expect(removed.value.status).toBe(403);
        expect((await read(narrowed, narrowed.token, otherUrl)).status).toBe(200);
      } finally {
        await fleet.close();
        await other.close();
      }
    });
  });
});
