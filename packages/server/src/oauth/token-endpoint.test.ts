import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { callApi, listen } from '#test/http-client';

const TENANT = '985798691';
const SCOPES = ['tn.crm.customers:r', 'tn.crm.customers:w', 'tn.settings.employees:r'];

interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** One token-endpoint request, described rather than built, so a table can hold it. */
interface TokenRequest {
  /** HTTP Basic client authentication. */
  basic?: Credentials;
  /** A raw Authorization header, for malformed ones. */
  authorization?: string;
  /** Form parameters; pairs allow a repeated name. */
  form?: Record<string, string> | [string, string][];
  /** Anything else, sent as is with its own content type. */
  raw?: { contentType: string; body: string };
}

async function postForm(url: string, path: string, request: TokenRequest) {
  const headers: Record<string, string> = {};
  if (request.basic)
    headers.authorization = `Basic ${Buffer.from(`${request.basic.clientId}:${request.basic.clientSecret}`).toString('base64')}`;
  if (request.authorization) headers.authorization = request.authorization;
  let body: string | undefined;
  if (request.raw) {
    headers['content-type'] = request.raw.contentType;
    body = request.raw.body;
  } else if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  }
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Record<string, any>,
  };
}

const grant = { grant_type: 'client_credentials' };
const bodyAuth = (c: Credentials) => ({ client_id: c.clientId, client_secret: c.clientSecret });
const wrongSecret = (c: Credentials): Credentials => ({
  clientId: c.clientId,
  clientSecret: `${c.clientSecret}x`,
});
const unknownClient: Credentials = { clientId: 'ghc_doesnotexist0000000000', clientSecret: 'ghs_whatever' };

interface Fixture {
  /** Connected in integration and in production, on SCOPES. */
  integration: Credentials;
  production: Credentials;
}

/** Every way a token request can fail, and the RFC 6749 §5.2 answer it gets. */
const refusals: {
  name: string;
  env?: string;
  request: (f: Fixture) => TokenRequest;
  status: number;
  error: string;
  basicChallenge: boolean;
}[] = [
  {
    name: 'Basic and body authentication at once',
    request: (f) => ({ basic: f.integration, form: { ...grant, ...bodyAuth(f.integration) } }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'Basic and a body client_id only',
    request: (f) => ({ basic: f.integration, form: { ...grant, client_id: f.integration.clientId } }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'wrong secret by Basic',
    request: (f) => ({ basic: wrongSecret(f.integration), form: grant }),
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
  },
  {
    name: 'wrong secret in the body',
    request: (f) => ({ form: { ...grant, ...bodyAuth(wrongSecret(f.integration)) } }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'unknown client by Basic',
    request: () => ({ basic: unknownClient, form: grant }),
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
  },
  {
    name: 'unknown client in the body',
    request: () => ({ form: { ...grant, ...bodyAuth(unknownClient) } }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'client_id without a secret',
    request: (f) => ({ form: { ...grant, client_id: f.integration.clientId } }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'no client authentication at all',
    request: () => ({ form: grant }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'malformed Basic credentials',
    request: () => ({
      authorization: `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      form: grant,
    }),
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
  },
  {
    name: 'an overlong client_id',
    request: () => ({ form: { ...grant, client_id: 'x'.repeat(5000), client_secret: 'y' } }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'production credentials at the integration endpoint',
    request: (f) => ({ basic: f.production, form: grant }),
    status: 401,
    error: 'invalid_client',
    basicChallenge: true,
  },
  {
    name: 'integration credentials at the production endpoint',
    env: 'production',
    request: (f) => ({ form: { ...grant, ...bodyAuth(f.integration) } }),
    status: 400,
    error: 'invalid_client',
    basicChallenge: false,
  },
  {
    name: 'missing grant_type',
    request: (f) => ({ basic: f.integration, form: {} }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'grant_type authorization_code',
    request: (f) => ({ basic: f.integration, form: { grant_type: 'authorization_code', code: 'abc' } }),
    status: 400,
    error: 'unsupported_grant_type',
    basicChallenge: false,
  },
  {
    name: 'grant_type password',
    request: (f) => ({ form: { grant_type: 'password', ...bodyAuth(f.integration) } }),
    status: 400,
    error: 'unsupported_grant_type',
    basicChallenge: false,
  },
  {
    name: 'a JSON body',
    request: (f) => ({
      basic: f.integration,
      raw: { contentType: 'application/json', body: JSON.stringify(grant) },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a JSON body with body credentials',
    request: (f) => ({
      raw: {
        contentType: 'application/json',
        body: JSON.stringify({ ...grant, ...bodyAuth(f.integration) }),
      },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a text/plain body',
    request: (f) => ({
      basic: f.integration,
      raw: { contentType: 'text/plain', body: 'grant_type=client_credentials' },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'no body at all',
    request: (f) => ({ basic: f.integration }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a repeated grant_type',
    request: (f) => ({
      basic: f.integration,
      form: [
        ['grant_type', 'client_credentials'],
        ['grant_type', 'client_credentials'],
      ],
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a repeated scope',
    request: (f) => ({
      basic: f.integration,
      form: [
        ['grant_type', 'client_credentials'],
        ['scope', 'tn.crm.customers:r'],
        ['scope', 'tn.crm.customers:w'],
      ],
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a repeated client_secret',
    request: (f) => ({
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', f.integration.clientId],
        ['client_secret', f.integration.clientSecret],
        ['client_secret', 'other'],
      ],
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a scope beyond the scopes in play',
    request: (f) => ({
      basic: f.integration,
      form: { ...grant, scope: 'tn.crm.customers:r tn.acc.invoices:r' },
    }),
    status: 400,
    error: 'invalid_scope',
    basicChallenge: false,
  },
  {
    name: 'a scope outside the catalog',
    request: (f) => ({ basic: f.integration, form: { ...grant, scope: 'openid' } }),
    status: 400,
    error: 'invalid_scope',
    basicChallenge: false,
  },
  {
    name: 'an empty scope',
    request: (f) => ({ basic: f.integration, form: { ...grant, scope: ' ' } }),
    status: 400,
    error: 'invalid_scope',
    basicChallenge: false,
  },
  {
    name: 'malformed JSON',
    request: (f) => ({
      basic: f.integration,
      raw: { contentType: 'application/json', body: '{"grant_type":' },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a multipart body',
    request: (f) => ({
      basic: f.integration,
      raw: {
        contentType: 'multipart/form-data; boundary=x',
        body: '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n',
      },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'an unknown media type',
    request: (f) => ({
      basic: f.integration,
      raw: { contentType: 'application/x-gatehouse', body: 'grant_type=client_credentials' },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a form over 16 KiB',
    request: (f) => ({ basic: f.integration, form: { ...grant, scope: 'x'.repeat(17 * 1024) } }),
    status: 413,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a JSON body over 1 MiB',
    request: (f) => ({
      basic: f.integration,
      raw: { contentType: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) },
    }),
    status: 413,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a NUL in the body client_id',
    request: (f) => ({
      form: {
        ...grant,
        client_id: `${f.integration.clientId}\u0000`,
        client_secret: f.integration.clientSecret,
      },
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a NUL in the Basic client_id',
    request: (f) => ({
      basic: { clientId: `\u0000${f.integration.clientId}`, clientSecret: f.integration.clientSecret },
      form: grant,
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a form-encoded NUL in the Basic client_id',
    request: (f) => ({
      basic: { clientId: `${f.integration.clientId}%00`, clientSecret: f.integration.clientSecret },
      form: grant,
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a control character in the Basic secret',
    request: (f) => ({
      basic: { clientId: f.integration.clientId, clientSecret: `${f.integration.clientSecret}\u001b` },
      form: grant,
    }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a line break in grant_type',
    request: (f) => ({ basic: f.integration, form: { grant_type: 'client_credentials\n' } }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a NUL in the scope',
    request: (f) => ({ basic: f.integration, form: { ...grant, scope: 'tn.crm.customers:r\u0000' } }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
  {
    name: 'a NUL in a parameter name',
    request: (f) => ({ basic: f.integration, form: { ...grant, 'sco\u0000pe': 'x' } }),
    status: 400,
    error: 'invalid_request',
    basicChallenge: false,
  },
];

describe.each(dialects)('token endpoint, metadata and JWKS on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let admin: Awaited<ReturnType<TestDatabase['as']>>;
  let fixture: Fixture & { appId: string; appKey: string; connectionId: string };
  let appCount = 0;

  /** A fresh app on SCOPES, connected in integration: stateful cases each get their own. */
  async function connectedApp() {
    const app = await dev.apps.create({
      name: `Token App ${++appCount}`,
      homePageUrl: 'https://token.example',
      tenantIds: [TENANT],
      kind: 'private',
      credentialsMode: 'tenant_admin',
      scopes: SCOPES,
    });
    const granted = await admin.connections.allow({
      tenantId: TENANT,
      environment: 'integration',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    return { app, granted, credentials: { clientId: granted.clientId, clientSecret: granted.clientSecret } };
  }

  const token = (credentials: Credentials, form: Record<string, string> = {}, env = 'integration') =>
    postForm(server.url, `/${env}/connect/token`, { basic: credentials, form: { ...grant, ...form } });

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    server = await listen(t);
    dev = await t.as(DEV);
    admin = await t.as(ADMIN);
    const { app, granted, credentials } = await connectedApp();
    const production = await admin.connections.allow({
      tenantId: TENANT,
      environment: 'production',
      appId: app.id,
      credentialsIssuer: 'tenant_admin',
    });
    fixture = {
      appId: app.id,
      appKey: app.appKey,
      connectionId: granted.connection.id,
      integration: credentials,
      production: { clientId: production.clientId, clientSecret: production.clientSecret },
    };
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it.each(refusals)('refuses $name', async ({ env, request, status, error, basicChallenge }) => {
    const response = await postForm(server.url, `/${env ?? 'integration'}/connect/token`, request(fixture));
    expect({ status: response.status, error: response.body.error }).toEqual({ status, error });
    expect(response.body.error_description).toEqual(expect.any(String));
    expect(response.body.access_token).toBeUndefined();
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const challenge = response.headers.get('www-authenticate');
    if (basicChallenge) expect(challenge).toMatch(/^Basic /);
    else expect(challenge).toBeNull();
  });

  it('issues a token to Basic and to body authentication alike, per RFC 6749 §5.1', async () => {
    const byBasic = await token(fixture.integration);
    const byBody = await postForm(server.url, '/integration/connect/token', {
      form: { ...grant, ...bodyAuth(fixture.integration) },
    });
    for (const response of [byBasic, byBody]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: SCOPES.join(' '),
      });
      expect(response.body).not.toHaveProperty('refresh_token');
    }
    expect(byBasic.body.access_token).not.toBe(byBody.body.access_token);
  });

  it('signs an RFC 9068 JWT that verifies against the published JWKS', async () => {
    const { body } = await token(fixture.integration);
    const metadata = (await (
      await fetch(`${server.url}/integration/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, string>;
    const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as JSONWebKeySet;

    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);

    const { payload } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: metadata.issuer,
      audience: `${metadata.issuer}/api`,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    const { secrets } = await admin.connections.get({ connectionId: fixture.connectionId });
    expect(payload).toEqual({
      iss: `${server.url}/integration`,
      aud: `${server.url}/integration/api`,
      sub: fixture.integration.clientId,
      client_id: fixture.integration.clientId,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
      scope: SCOPES.join(' '),
      tenant: TENANT,
      app_id: fixture.appId,
      cid: fixture.connectionId,
      env: 'integration',
      // The id of the secret it was issued with (the connection has one), never the secret itself.
      csid: secrets[0]!.id,
    });
    expect(body.access_token).not.toContain(fixture.integration.clientSecret);
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
    // Every token is its own: a fresh jti each time.
    const again = decodeJwt((await token(fixture.integration)).body.access_token);
    expect(again.jti).not.toBe(payload.jti);
  });

  it('signs production tokens for production', async () => {
    const { status, body } = await token(fixture.production, {}, 'production');
    expect(status).toBe(200);
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      iss: `${server.url}/production`,
      env: 'production',
      tenant: TENANT,
      app_id: fixture.appId,
    });
    expect(claims.cid).not.toBe(fixture.connectionId);
  });

  it.each([
    { requested: 'tn.crm.customers:r', expected: 'tn.crm.customers:r' },
    {
      requested: 'tn.settings.employees:r  tn.crm.customers:r',
      expected: 'tn.crm.customers:r tn.settings.employees:r',
    },
    { requested: 'tn.crm.customers:w tn.crm.customers:w', expected: 'tn.crm.customers:w' },
  ])('narrows the token to the requested scope $requested', async ({ requested, expected }) => {
    const { status, body } = await token(fixture.integration, { scope: requested });
    expect(status).toBe(200);
    expect(body.scope).toBe(expected);
    expect(decodeJwt(body.access_token).scope).toBe(expected);
  });

  it('a narrowed token cannot do what it left out', async () => {
    const { body } = await token(fixture.integration, { scope: 'tn.crm.customers:r' });
    const base = `/integration/api/crm/v2/tenant/${TENANT}/customers`;
    expect(
      (await callApi(server.url, `${base}?pageSize=1`, { token: body.access_token, appKey: fixture.appKey }))
        .status,
    ).toBe(200);
    const write = await callApi(server.url, base, {
      token: body.access_token,
      appKey: fixture.appKey,
      method: 'POST',
      body: { name: 'Narrow', type: 'Residential' },
    });
    expect(write.status).toBe(403);
    expect(write.body.scope).toBe('tn.crm.customers:w');
  });

  /** What the tenant admin or developer does, and whether the old and new credentials still get tokens. */
  const lifecycle: {
    name: string;
    act: (c: Awaited<ReturnType<typeof connectedApp>>) => Promise<Credentials | null>;
    oldWorks: boolean;
  }[] = [
    {
      name: 'the connection is disabled',
      act: async ({ granted }) => {
        await admin.connections.disable({ connectionId: granted.connection.id });
        return null;
      },
      oldWorks: false,
    },
    {
      name: 'the secret is revoked',
      act: async ({ granted }) => {
        const { secrets } = await admin.connections.get({ connectionId: granted.connection.id });
        await admin.connections.revokeSecret({
          connectionId: granted.connection.id,
          secretId: secrets[0]!.id,
        });
        return null;
      },
      oldWorks: false,
    },
    {
      name: 'the secret is rotated with no grace',
      act: async ({ granted }) =>
        admin.connections.rotateSecret({ connectionId: granted.connection.id, graceHours: 0 }),
      oldWorks: false,
    },
    {
      name: 'the secret is rotated with a 24-hour grace',
      act: async ({ granted }) =>
        admin.connections.rotateSecret({ connectionId: granted.connection.id, graceHours: 24 }),
      oldWorks: true,
    },
    {
      name: 'the app is deleted',
      act: async ({ app }) => {
        await dev.apps.delete({ appId: app.id, confirmName: app.name });
        return null;
      },
      oldWorks: false,
    },
  ];

  it.each(lifecycle)('when $name, the old secret works: $oldWorks', async ({ act, oldWorks }) => {
    const connected = await connectedApp();
    expect((await token(connected.credentials)).status).toBe(200);
    const fresh = await act(connected);
    const old = await token(connected.credentials);
    if (oldWorks) expect(old.status).toBe(200);
    else
      expect({
        status: old.status,
        error: old.body.error,
        challenge: old.headers.get('www-authenticate')?.split(' ')[0],
      }).toEqual({ status: 401, error: 'invalid_client', challenge: 'Basic' });
    if (fresh) {
      expect(fresh.clientId).toBe(connected.credentials.clientId);
      expect((await token(fresh)).status).toBe(200);
    }
  });

  it('a restored connection gets tokens again with its secret', async () => {
    const connected = await connectedApp();
    await admin.connections.disable({ connectionId: connected.granted.connection.id });
    expect((await token(connected.credentials)).status).toBe(401);
    await admin.connections.restore({ connectionId: connected.granted.connection.id });
    expect((await token(connected.credentials)).status).toBe(200);
  });

  it('an upgrade changes the scopes of the next token, never the credentials', async () => {
    const connected = await connectedApp();
    await dev.apps.saveScopes({ appId: connected.app.id, scopes: ['tn.crm.customers:r'] });
    expect((await token(connected.credentials)).body.scope).toBe(SCOPES.join(' '));
    await admin.connections.upgrade({ connectionId: connected.granted.connection.id, toVersion: 2 });
    const narrowed = await token(connected.credentials);
    expect(narrowed.body.scope).toBe('tn.crm.customers:r');
    // What the admin removed may not be asked for.
    const beyond = await token(connected.credentials, { scope: 'tn.crm.customers:w' });
    expect(beyond.body.error).toBe('invalid_scope');
  });

  it.each(['integration', 'production'])(
    'describes the %s authorization server per RFC 8414',
    async (env) => {
      const response = await fetch(`${server.url}/${env}/.well-known/oauth-authorization-server`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const metadata = (await response.json()) as Record<string, unknown>;
      const issuer = `${server.url}/${env}`;
      expect(metadata).toMatchObject({
        issuer,
        token_endpoint: `${issuer}/connect/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        introspection_endpoint: `${issuer}/connect/introspect`,
        revocation_endpoint: `${issuer}/connect/revoke`,
        grant_types_supported: ['client_credentials'],
        response_types_supported: expect.any(Array),
      });
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      );
      expect(metadata.scopes_supported).toEqual(
        expect.arrayContaining(['tn.crm.customers:r', 'tn.acc.invoices:w']),
      );
      // Every advertised endpoint answers (POSTs without credentials: an OAuth error, not a 404).
      expect((await fetch(metadata.jwks_uri as string)).status).toBe(200);
      for (const endpoint of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
        const answer = await postForm(server.url, new URL(metadata[endpoint] as string).pathname, {
          form: { token: 'x' },
        });
        expect(answer.body.error, endpoint).toBe('invalid_client');
      }
    },
  );

  it('publishes the public signing keys only', async () => {
    const response = await fetch(`${server.url}/integration/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as JSONWebKeySet;
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: expect.any(String),
        x: expect.any(String),
        y: expect.any(String),
      });
      expect(key).not.toHaveProperty('d');
    }
    const production = (await (
      await fetch(`${server.url}/production/.well-known/jwks.json`)
    ).json()) as JSONWebKeySet;
    expect(production.keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));
  });

  it('keeps the signing key across restarts: it lives in the database', async () => {
    const before = (await (
      await fetch(`${server.url}/integration/.well-known/jwks.json`)
    ).json()) as JSONWebKeySet;
    const second = await listen(t);
    try {
      const after = (await (
        await fetch(`${second.url}/integration/.well-known/jwks.json`)
      ).json()) as JSONWebKeySet;
      expect(after.keys).toEqual(before.keys);
    } finally {
      await second.close();
    }
  });

  it.each([
    ['GET', '/staging/.well-known/oauth-authorization-server'],
    ['GET', '/staging/.well-known/jwks.json'],
    ['GET', '/Integration/.well-known/jwks.json'],
    ['POST', '/staging/connect/token'],
    ['POST', '/staging/connect/introspect'],
    ['POST', '/staging/connect/revoke'],
  ])('answers 404 for an unknown environment: %s %s', async (method, path) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      body: method === 'POST' ? 'grant_type=client_credentials' : undefined,
    });
    expect(response.status).toBe(404);
  });
});
