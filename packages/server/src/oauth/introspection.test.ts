import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { callApi, fetchToken, listen } from '#test/http-client';
import { loadSigningKeys } from './keys';
import type { AccessTokenClaims } from './token-format';
import { signAccessToken } from './tokens';

const TENANT = '985798691';
const LIST = `/integration/api/crm/v2/tenant/${TENANT}/customers?pageSize=1`;

interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** A form POST to introspect or revoke, authenticated by Basic (default) or in the body. */
async function post(
  url: string,
  path: string,
  form: Record<string, string>,
  auth: { basic?: Credentials; body?: Credentials; contentType?: string } = {},
) {
  const headers: Record<string, string> = {
    'content-type': auth.contentType ?? 'application/x-www-form-urlencoded',
  };
  if (auth.basic)
    headers.authorization = `Basic ${Buffer.from(`${auth.basic.clientId}:${auth.basic.clientSecret}`).toString('base64')}`;
  const params = {
    ...form,
    ...(auth.body ? { client_id: auth.body.clientId, client_secret: auth.body.clientSecret } : {}),
  };
  const body =
    headers['content-type'] === 'application/json'
      ? JSON.stringify(params)
      : new URLSearchParams(params).toString();
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Record<string, any>,
  };
}

function basicOf(c: Credentials): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}` };
}

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return [
    header,
    Buffer.from(JSON.stringify({ ...claims, scope: `${claims.scope} tn.acc.invoices:w` })).toString(
      'base64url',
    ),
    signature,
  ].join('.');
}

describe.each(dialects)('introspection (RFC 7662) and revocation (RFC 7009) on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let admin: Awaited<ReturnType<TestDatabase['as']>>;
  /** App A in integration and production, app B in integration; all on TENANT. */
  let a: Credentials & { appId: string; appKey: string; connectionId: string };
  let aProduction: Credentials;
  let b: Credentials & { appKey: string };
  let appCount = 0;

  async function connectedApp(environment: 'integration' | 'production' = 'integration') {
    const app = await dev.apps.create({
      name: `Introspected ${++appCount}`,
      homePageUrl: 'https://introspect.example',
      tenantIds: [TENANT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r'],
    });
    const granted = await admin.connections.allow({
      tenantId: TENANT,
      environment,
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    return {
      appId: app.id,
      appKey: app.appKey,
      connectionId: granted.connection.id,
      clientId: granted.clientId,
      clientSecret: granted.clientSecret,
    };
  }
  const tokenOf = async (c: Credentials, env = 'integration') => {
    const { status, body } = await fetchToken(server.url, env, c.clientId, c.clientSecret);
    expect(status).toBe(200);
    return body.access_token as string;
  };
  const introspect = (token: string, auth: Credentials, env = 'integration') =>
    post(server.url, `/${env}/connect/introspect`, { token }, { basic: auth });
  const revoke = (token: string, auth: Credentials, extra: Record<string, string> = {}) =>
    post(server.url, '/integration/connect/revoke', { token, ...extra }, { basic: auth });

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    server = await listen(t);
    dev = await t.as(DEV);
    admin = await t.as(ADMIN);
    a = await connectedApp();
    const production = await admin.connections.allow({
      tenantId: TENANT,
      environment: 'production',
      appId: a.appId,
      credentialsIssuer: 'tenant_admin',
    });
    aProduction = { clientId: production.clientId, clientSecret: production.clientSecret };
    b = await connectedApp();
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it.each(['basic', 'body'] as const)(
    'tells a client about its own active token (%s authentication)',
    async (method) => {
      const token = await tokenOf(a);
      const response = await post(
        server.url,
        '/integration/connect/introspect',
        { token, token_type_hint: 'access_token' },
        { [method]: a },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const claims = decodeJwt(token);
      expect(response.body).toMatchObject({
        active: true,
        scope: 'tn.crm.customers:r',
        client_id: a.clientId,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        sub: a.clientId,
        jti: claims.jti,
        iss: claims.iss,
        aud: claims.aud,
        tenant: TENANT,
      });
    },
  );

  /** Tokens a client must learn nothing about: RFC 7662 §2.2 answers just `active: false`. */
  const inactive: { name: string; token: () => Promise<string>; as: () => Credentials; env?: string }[] = [
    { name: "another connection's token", token: () => tokenOf(a), as: () => b },
    {
      name: "its app's token from the other environment",
      token: () => tokenOf(a),
      as: () => aProduction,
      env: 'production',
    },
    { name: 'a garbage token', token: async () => 'not-a-token', as: () => a },
    { name: 'a tampered token', token: async () => tamper(await tokenOf(a)), as: () => a },
    { name: 'an empty-looking JWT', token: async () => 'eyJhbGciOiJub25lIn0.e30.', as: () => a },
  ];

  it.each(inactive)('answers active false for $name', async ({ token, as, env }) => {
    const response = await introspect(await token(), as(), env);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ active: false });
  });

  const refusals: {
    name: string;
    form: Record<string, string>;
    auth: 'none' | 'wrong' | 'own';
    json?: boolean;
    status: number;
    error: string;
  }[] = [
    {
      name: 'no client authentication',
      form: { token: 'x' },
      auth: 'none',
      status: 400,
      error: 'invalid_client',
    },
    { name: 'a wrong secret', form: { token: 'x' }, auth: 'wrong', status: 401, error: 'invalid_client' },
    { name: 'no token parameter', form: {}, auth: 'own', status: 400, error: 'invalid_request' },
    {
      name: 'a JSON body',
      form: { token: 'x' },
      auth: 'own',
      json: true,
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a NUL in the token',
      form: { token: 'eyJ\u0000' },
      auth: 'own',
      status: 400,
      error: 'invalid_request',
    },
    {
      name: 'a control character in token_type_hint',
      form: { token: 'x', token_type_hint: 'access_token\u007f' },
      auth: 'own',
      status: 400,
      error: 'invalid_request',
    },
  ];

  it.each(refusals)(
    'refuses introspection and revocation with $name',
    async ({ form, auth, json, status, error }) => {
      const basic =
        auth === 'none'
          ? undefined
          : { clientId: a.clientId, clientSecret: auth === 'wrong' ? 'ghs_wrong' : a.clientSecret };
      for (const endpoint of ['introspect', 'revoke']) {
        const response = await post(server.url, `/integration/connect/${endpoint}`, form, {
          basic,
          contentType: json ? 'application/json' : undefined,
        });
        expect({ endpoint, status: response.status, error: response.body.error }).toEqual({
          endpoint,
          status,
          error,
        });
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    },
  );

  /** Bodies Fastify itself cannot read, and client authentication in the body: still OAuth's JSON error, never cached. */
  const unreadable: {
    name: string;
    headers: (c: Credentials) => Record<string, string>;
    body: (c: Credentials) => string;
    status: number;
    error: string;
    challenge: boolean;
  }[] = [
    {
      name: 'malformed JSON',
      headers: (c) => ({ ...basicOf(c), 'content-type': 'application/json' }),
      body: () => '{"token":',
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a multipart body',
      headers: (c) => ({ ...basicOf(c), 'content-type': 'multipart/form-data; boundary=x' }),
      body: () => '--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nx\r\n--x--\r\n',
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a form over 16 KiB',
      headers: (c) => ({ ...basicOf(c), 'content-type': 'application/x-www-form-urlencoded' }),
      body: () => `token=${'x'.repeat(17 * 1024)}`,
      status: 413,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a NUL in the Basic client_id',
      headers: (c) => ({
        ...basicOf({ ...c, clientId: `${c.clientId}\u0000` }),
        'content-type': 'application/x-www-form-urlencoded',
      }),
      body: () => 'token=x',
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a NUL in the body client_id',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: (c) =>
        new URLSearchParams({
          token: 'x',
          client_id: `${c.clientId}\u0000`,
          client_secret: c.clientSecret,
        }).toString(),
      status: 400,
      error: 'invalid_request',
      challenge: false,
    },
    {
      name: 'a wrong secret in the body',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: (c) =>
        new URLSearchParams({ token: 'x', client_id: c.clientId, client_secret: 'ghs_wrong' }).toString(),
      status: 400,
      error: 'invalid_client',
      challenge: false,
    },
    {
      name: 'a wrong secret by Basic',
      headers: (c) => ({
        ...basicOf({ ...c, clientSecret: 'ghs_wrong' }),
        'content-type': 'application/x-www-form-urlencoded',
      }),
      body: () => 'token=x',
      status: 401,
      error: 'invalid_client',
      challenge: true,
    },
  ];

  it.each(unreadable)(
    'answers $name at introspection and revocation in OAuth JSON',
    async ({ headers, body, status, error, challenge }) => {
      for (const endpoint of ['introspect', 'revoke']) {
        const response = await fetch(`${server.url}/integration/connect/${endpoint}`, {
          method: 'POST',
          headers: headers(a),
          body: body(a),
        });
        expect({ endpoint, status: response.status, body: await response.json() }).toEqual({
          endpoint,
          status,
          body: { error, error_description: expect.any(String) },
        });
        expect(response.headers.get('cache-control')).toBe('no-store');
        if (challenge) expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
        else expect(response.headers.get('www-authenticate')).toBeNull();
      }
    },
  );

  it("does not let a client revoke another connection's token", async () => {
    const token = await tokenOf(a);
    const response = await revoke(token, b);
    expect(response.status).toBe(200);
    expect((await introspect(token, a)).body.active).toBe(true);
    expect((await callApi(server.url, LIST, { token, appKey: a.appKey })).status).toBe(200);
  });

  it.each([
    { label: 'not-a-token', token: 'not-a-token' },
    { label: 'a.b.c', token: 'a.b.c' },
    { label: '3000 characters', token: 'x'.repeat(3000) },
  ])('answers 200 to the revocation of a garbage token ($label)', async ({ token }) => {
    const response = await revoke(token, a, { token_type_hint: 'refresh_token' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('a revoked token is inactive and refused by the resource API, at once; the other tokens live on', async () => {
    const revoked = await tokenOf(a);
    const kept = await tokenOf(a);
    expect((await callApi(server.url, LIST, { token: revoked, appKey: a.appKey })).status).toBe(200);

    expect((await revoke(revoked, a, { token_type_hint: 'access_token' })).status).toBe(200);
    expect((await introspect(revoked, a)).body).toEqual({ active: false });
    const refused = await callApi(server.url, LIST, { token: revoked, appKey: a.appKey });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    // Revoking again is harmless.
    expect((await revoke(revoked, a)).status).toBe(200);

    expect((await introspect(kept, a)).body.active).toBe(true);
    expect((await callApi(server.url, LIST, { token: kept, appKey: a.appKey })).status).toBe(200);
    expect((await callApi(server.url, LIST, { token: await tokenOf(a), appKey: a.appKey })).status).toBe(200);
  });

  it('a revoked token stays revoked for a server that starts afterwards', async () => {
    const token = await tokenOf(a);
    await revoke(token, a);
    // Another instance of the same deployment: same public URL, so only the revocation can refuse the token.
    const second = await listen(t, { publicUrl: server.app.runtime.state.issuer.base });
    try {
      expect((await callApi(second.url, LIST, { token, appKey: a.appKey })).status).toBe(401);
    } finally {
      await second.close();
    }
  });

  it("a disabled connection's client cannot introspect; once restored, its token is active again", async () => {
    const c = await connectedApp();
    const token = await tokenOf(c);
    await admin.connections.disable({ connectionId: c.connectionId });
    expect((await introspect(token, c)).status).toBe(401);
    await admin.connections.restore({ connectionId: c.connectionId });
    expect((await introspect(token, c)).body.active).toBe(true);
  });
  it('a token signed with our key for another issuer or audience is inactive', async () => {
    const keys = await loadSigningKeys(t.db.em());
    const {
      iat: _iat,
      exp: _exp,
      jti: _jti,
      ...claims
    } = decodeJwt(await tokenOf(a)) as unknown as AccessTokenClaims;
    expect((await introspect((await signAccessToken(keys, claims)).token, a)).body.active).toBe(true);
    for (const change of [
      { iss: 'http://evil.example/integration' },
      { aud: 'http://evil.example/integration/api' },
    ]) {
      expect(
        (await introspect((await signAccessToken(keys, { ...claims, ...change })).token, a)).body,
      ).toEqual({ active: false });
    }
  });

  it('a token whose secret was revoked is inactive; after an upgrade it reports only the scopes still in play', async () => {
    const c = await connectedApp();
    const token = await tokenOf(c);
    const rotated = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 24 });
    const { secrets } = await admin.connections.get({ connectionId: c.connectionId });
    await admin.connections.revokeSecret({
      connectionId: c.connectionId,
      secretId: secrets.find((s) => s.expiresAt !== null)!.id,
    });
    expect((await introspect(token, rotated)).body).toEqual({ active: false });

    const app = await dev.apps.create({
      name: `Introspected ${++appCount}`,
      homePageUrl: 'https://introspect.example',
      tenantIds: [TENANT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'],
    });
    const granted = await admin.connections.allow({
      tenantId: TENANT,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    const wide = await tokenOf(granted);
    expect((await introspect(wide, granted)).body.scope).toBe('tn.crm.customers:r tn.crm.customers:w');
    await dev.apps.saveScopes({ appId: app.id, scopes: ['tn.crm.customers:r'] });
    await admin.connections.upgrade({ connectionId: granted.connection.id, toVersion: 2 });
    expect((await introspect(wide, granted)).body).toMatchObject({
      active: true,
      scope: 'tn.crm.customers:r',
    });
  });
});
