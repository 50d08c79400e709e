import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, DEV, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { type ConnectedParty, connectApp, fetchToken, listen } from '#test/http-client';
import { loadSigningKeys } from './keys';
import type { AccessTokenClaims } from './token-format';
import { signAccessToken } from './tokens';

const TENANT = '985798691';
const READ = 'tn.crm.customers:r';
const WRITE = 'tn.crm.customers:w';
/** Failed authentications an address may make in a minute here. */
const LIMIT = 3;

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
  /** The asking resource server's address: each test its own, so failures counted in one stay there. */
  let from = '';
  let addresses = 0;

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
    const response = await fetch(`${server.url}/${env}/connect/token-status`, {
      headers: { ...headers, 'x-forwarded-for': from },
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const status = (token: string, appKey: string, env?: string) =>
    ask({ authorization: `Bearer ${token}`, 'st-app-key': appKey }, env);

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    // Three failed authentications a minute per address; the asker's address comes from x-forwarded-for.
    server = await listen(t, { failureLimit: { calls: LIMIT, windowMs: 60_000 }, trustProxy: ['127.0.0.1'] });
    [dev, admin] = await Promise.all([t.as(DEV), t.as(ADMIN)]);
    a = await connected([READ, WRITE]);
    b = await connected([READ]);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });
  beforeEach(() => {
    from = `203.0.113.${++addresses}`;
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

  /** `counted`: the question proves nothing (none of this environment's tokens) and counts against the asker. */
  const inactive: {
    name: string;
    counted: boolean;
    ask: () => Promise<{ token: string; appKey: string; env?: string }>;
  }[] = [
    {
      name: 'a tampered token',
      counted: true,
      ask: async () => ({ token: tamper(await tokenOf(a)), appKey: a.appKey }),
    },
    { name: 'a garbage token', counted: true, ask: async () => ({ token: 'not-a-token', appKey: a.appKey }) },
    {
      name: 'a token asked about in the other environment',
      counted: true,
      ask: async () => ({ token: await tokenOf(a), appKey: a.appKey, env: 'production' }),
    },
    {
      name: 'a token of another issuer',
      counted: true,
      ask: async () => ({
        token: await signed(await tokenOf(a), { iss: 'http://evil.example/integration' }),
        appKey: a.appKey,
      }),
    },
    {
      name: 'a token for another audience',
      counted: true,
      ask: async () => ({
        token: await signed(await tokenOf(a), { aud: 'http://evil.example/integration/api' }),
        appKey: a.appKey,
      }),
    },
    {
      // A genuine token proves its holder is a client: with a made-up key it is only inactive, or one token
      // sent with made-up keys would have the asking resource server held back for all its clients.
      name: 'an unknown app key',
      counted: false,
      ask: async () => ({ token: await tokenOf(a), appKey: 'ghk_unknown' }),
    },
    {
      // As at the gate: a token first seen after its expiry is not taken as one of ours (the signature check
      // refuses it); one seen while live is remembered and only reads as expired.
      name: 'a token expired before it was ever seen',
      counted: true,
      ask: async () => ({
        token: await signed(await tokenOf(a), {}, Math.floor(Date.now() / 1000) - 901),
        appKey: a.appKey,
      }),
    },
    {
      name: "another app's key",
      counted: false,
      ask: async () => ({ token: await tokenOf(a), appKey: b.appKey }),
    },
  ];

  it.each(inactive)(
    'answers only active false for $name; counted against the asker: $counted',
    async ({ ask: what, counted }) => {
      const { token, appKey, env } = await what();
      for (let i = 0; i < LIMIT; i++) {
        const response = await status(token, appKey, env);
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.body).toEqual({ active: false });
      }
      const next = await status(token, appKey, env);
      if (counted) expectHeldBack(next);
      else expect(next).toMatchObject({ status: 200, body: { active: false } });
    },
  );

  it('a token signed anew with the same claims is active: the cases above fail on their change alone', async () => {
    const token = await signed(await tokenOf(a), {});
    expect((await status(token, a.appKey)).body.active).toBe(true);
  });

  /** Answered as every endpoint answers an address held back for failing authentication. */
  const expectHeldBack = (response: Awaited<ReturnType<typeof ask>>) => {
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toEqual({ error: 'rate_limited', error_description: expect.any(String) });
  };

  const revokeToken = async (party: ConnectedParty, token: string) => {
    const response = await fetch(`${server.url}/integration/connect/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${party.clientId}:${party.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    expect(response.status).toBe(200);
  };

  it('refuses a request without either header as invalid_request, which counts nothing', async () => {
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
    expect((await status(token, a.appKey)).body.active).toBe(true);
  });

  it('a genuine token with made-up app keys gets nobody held back, a flood of made-up tokens does', async () => {
    const token = await tokenOf(a);
    for (let i = 0; i < LIMIT * 3; i++)
      expect(await status(token, `ghk_${randomUUID()}`)).toMatchObject({
        status: 200,
        body: { active: false },
      });
    expect((await status(token, a.appKey)).body.active).toBe(true);
    for (let i = 0; i < LIMIT; i++)
      expect((await status(`not-a-token-${i}`, a.appKey)).body).toEqual({ active: false });
    expectHeldBack(await status('not-a-token', a.appKey));
    // Held back whatever it asks next, good credentials included, until the window lets it try again.
    expectHeldBack(await status(token, a.appKey));
    from = `203.0.113.${++addresses}`;
    expect((await status(token, a.appKey)).body.active).toBe(true);
  });

  it('a resource server asking about many tokens that are no longer live is not held back', async () => {
    const c = await connected([READ]);
    const disabled = await Promise.all(Array.from({ length: LIMIT + 2 }, () => tokenOf(c)));
    const revoked = await tokenOf(a);
    await revokeToken(a, revoked);
    await admin.connections.disable({ connectionId: c.connectionId });
    for (const token of [...disabled, revoked, ...disabled])
      expect(await status(token, token === revoked ? a.appKey : c.appKey)).toMatchObject({
        status: 200,
        body: { active: false },
      });
    expect((await status(await tokenOf(a), a.appKey)).body.active).toBe(true);
  });

  it('a revoked token is inactive at once; the connection its other tokens live on', async () => {
    const revoked = await tokenOf(a);
    const kept = await tokenOf(a);
    await revokeToken(a, revoked);
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
