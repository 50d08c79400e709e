import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, connectApp, fetchToken, listen } from '#test/http-client';
import { loadSigningKeys } from './keys';
import type { AccessTokenClaims } from './token-format';
import { signAccessToken } from './tokens';

const TENANT = '985798691';
const READ = 'tn.crm.customers:r';
const WRITE = 'tn.crm.customers:w';

/** The token's payload with one more scope, its signature kept: a forgery. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, scope: `${claims.scope} tn.acc.invoices:w` }));
  return [header, forged.toString('base64url'), signature].join('.');
}

describe.each(dialects)('token status for resource servers on %s', (dialect) => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof listen>>;
  let dev: Awaited<ReturnType<TestDatabase['as']>>;
  let admin: Awaited<ReturnType<TestDatabase['as']>>;
  let a: ConnectedParty;
  let b: ConnectedParty;
  let appCount = 0;

  const connected = async (scopes: string[]) =>
    (
      await connectApp(dev, () => admin, { name: `Status ${++appCount}`, tenantIds: [TENANT], scopes }, [
        { tenant: TENANT, env: 'integration' },
      ])
    ).parties[0]!;
  const tokenOf = async (party: ConnectedParty) => {
    const { status, body } = await fetchToken(server.url, 'integration', party.clientId, party.clientSecret);
    expect(status).toBe(200);
    return body.access_token as string;
  };
  /** What a resource server asks: the client's own two headers, forwarded. */
  const ask = async (headers: Record<string, string>, env = 'integration') => {
    const response = await fetch(`${server.url}/${env}/connect/token-status`, { headers });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const status = (token: string, appKey: string, env?: string) =>
    ask({ authorization: `Bearer ${token}`, 'st-app-key': appKey }, env);

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    // A failure limit of two: the status endpoint must not count inactive answers against the asker.
    server = await listen(t, { failureLimit: { calls: 2, windowMs: 60_000 } });
    [dev, admin] = await Promise.all([t.as(DEV), t.as(ADMIN)]);
    a = await connected([READ, WRITE]);
    b = await connected([READ]);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('says who is calling, with the scopes in play, and is never cached', async () => {
    const token = await tokenOf(a);
    const response = await status(token, a.appKey);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(token);
    expect(response.body).toEqual({
      active: true,
      app_id: a.appId,
      tenant: TENANT,
      env: 'integration',
      client_id: a.clientId,
      cid: a.connectionId,
      jti: claims.jti,
      scope: `${READ} ${WRITE}`,
      iat: claims.iat,
      exp: claims.exp,
    });
  });

  /** Signed with the server's own key, with changed claims: only the claims can make these inactive. */
  const signed = async (token: string, change: Partial<AccessTokenClaims>, now?: number) => {
    const keys = await loadSigningKeys(t.db.em());
    const { iat: _iat, exp: _exp, jti: _jti, ...claims } = decodeJwt(token) as unknown as AccessTokenClaims;
    return (await signAccessToken(keys, { ...claims, ...change }, now)).token;
  };

  const inactive: { name: string; ask: () => Promise<{ token: string; appKey: string; env?: string }> }[] = [
    { name: 'a tampered token', ask: async () => ({ token: tamper(await tokenOf(a)), appKey: a.appKey }) },
    { name: 'a garbage token', ask: async () => ({ token: 'not-a-token', appKey: a.appKey }) },
    {
      name: 'a token asked about in the other environment',
      ask: async () => ({ token: await tokenOf(a), appKey: a.appKey, env: 'production' }),
    },
    {
      name: 'a token of another issuer',
      ask: async () => ({
        token: await signed(await tokenOf(a), { iss: 'http://evil.example/integration' }),
        appKey: a.appKey,
      }),
    },
    {
      name: 'a token for another audience',
      ask: async () => ({
        token: await signed(await tokenOf(a), { aud: 'http://evil.example/integration/api' }),
        appKey: a.appKey,
      }),
    },
    {
      name: 'an expired token',
      ask: async () => ({
        token: await signed(await tokenOf(a), {}, Math.floor(Date.now() / 1000) - 901),
        appKey: a.appKey,
      }),
    },
    { name: "another app's key", ask: async () => ({ token: await tokenOf(a), appKey: b.appKey }) },
    { name: 'an unknown app key', ask: async () => ({ token: await tokenOf(a), appKey: 'ghk_unknown' }) },
  ];

  it.each(inactive)('answers only active false for $name', async ({ ask: what }) => {
    const { token, appKey, env } = await what();
    const response = await status(token, appKey, env);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({ active: false });
  });

  it('a token signed anew with the same claims is active: the cases above fail on their change alone', async () => {
    const token = await signed(await tokenOf(a), {});
    expect((await status(token, a.appKey)).body.active).toBe(true);
  });

  it('refuses a request without either header as invalid_request', async () => {
    const token = await tokenOf(a);
    const incomplete: Record<string, string>[] = [
      { authorization: `Bearer ${token}` },
      { 'st-app-key': a.appKey },
      { 'st-app-key': a.appKey, authorization: 'Bearer ' },
      {},
    ];
    for (const headers of incomplete) {
      const response = await ask(headers);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('counts no failures against the asker: inactive answers go on, and so do tokens', async () => {
    for (let i = 0; i < 10; i++) expect((await status('not-a-token', 'ghk_unknown')).status).toBe(200);
    const token = await tokenOf(a);
    expect((await status(token, a.appKey)).body.active).toBe(true);
  });

  it('a revoked token is inactive at once; the connection its other tokens live on', async () => {
    const revoked = await tokenOf(a);
    const kept = await tokenOf(a);
    const response = await fetch(`${server.url}/integration/connect/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${a.clientId}:${a.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: revoked }),
    });
    expect(response.status).toBe(200);
    expect((await status(revoked, a.appKey)).body).toEqual({ active: false });
    expect((await status(kept, a.appKey)).body.active).toBe(true);
  });

  it('a disabled connection makes its tokens inactive at once; restored, they are active again', async () => {
    const c = await connected([READ]);
    const token = await tokenOf(c);
    expect((await status(token, c.appKey)).body.active).toBe(true);
    await admin.connections.disable({ connectionId: c.connectionId });
    expect((await status(token, c.appKey)).body).toEqual({ active: false });
    await admin.connections.restore({ connectionId: c.connectionId });
    expect((await status(token, c.appKey)).body).toMatchObject({ active: true, scope: READ });
  });

  it("a token whose client secret was revoked is inactive; the rotated secret's are not", async () => {
    const c = await connected([READ]);
    const token = await tokenOf(c);
    const rotated = await admin.connections.rotateSecret({ connectionId: c.connectionId, graceHours: 24 });
    const fresh = await tokenOf({ ...c, clientSecret: rotated.clientSecret });
    const { secrets } = await admin.connections.get({ connectionId: c.connectionId });
    await admin.connections.revokeSecret({
      connectionId: c.connectionId,
      secretId: secrets.find((s) => s.expiresAt !== null)!.id,
    });
    expect((await status(token, c.appKey)).body).toEqual({ active: false });
    expect((await status(fresh, c.appKey)).body.active).toBe(true);
  });

  it("a deleted app's tokens are inactive", async () => {
    const c = await connected([READ]);
    const token = await tokenOf(c);
    const name = `Status ${appCount}`;
    await dev.apps.delete({ appId: c.appId, confirmName: name });
    expect((await status(token, c.appKey)).body).toEqual({ active: false });
  });

  it('an upgrade that removes a scope takes it out of the answer; with none left the token is inactive', async () => {
    const c = await connected([READ, WRITE]);
    const wide = await tokenOf(c);
    await dev.apps.saveScopes({ appId: c.appId, scopes: [READ] });
    await admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 2 });
    expect((await status(wide, c.appKey)).body).toMatchObject({ active: true, scope: READ });

    const narrow = await tokenOf(c);
    await dev.apps.saveScopes({ appId: c.appId, scopes: [WRITE] });
    await admin.connections.upgrade({ connectionId: c.connectionId, toVersion: 3 });
    expect((await status(narrow, c.appKey)).body).toEqual({ active: false });
    expect((await status(wide, c.appKey)).body).toMatchObject({ active: true, scope: WRITE });
  });
});
