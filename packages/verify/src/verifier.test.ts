import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIssuer, fakeIssuer } from '../test/fake-issuer';
import { retryAfterOf } from './status';
import { createVerifier } from './verifier';

const TENANT = '985798691';
const READ = 'tn.crm.customers:r';

describe('createVerifier', () => {
  let issuer: FakeIssuer;
  beforeAll(async () => {
    issuer = await fakeIssuer();
  });
  afterAll(() => issuer.close());
  afterEach(() => {
    issuer.answerStatus('active');
    issuer.answerJwks(200);
  });

  const call = (token: string, extra: { appKey?: string; scope?: string; tenant?: string } = {}) => ({
    appKey: extra.appKey ?? 'key-1',
    authorization: `Bearer ${token}`,
    scope: extra.scope ?? READ,
    tenant: extra.tenant ?? TENANT,
  });

  it('lets a good call through with the caller Gatehouse names', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer });
    const token = await issuer.sign({ scope: `${READ} tn.crm.customers:w` });
    const result = await verifier.verify(call(token));
    expect(result).toEqual({
      ok: true,
      caller: {
        appId: 'app-1',
        tenant: TENANT,
        environment: 'integration',
        clientId: 'client-1',
        connectionId: 'connection-1',
        scopes: [READ, 'tn.crm.customers:w'],
        tokenId: expect.any(String),
      },
    });
    // The client's own credentials are what Gatehouse is asked about.
    expect(issuer.statusAsks.at(-1)).toEqual({ appKey: 'key-1', authorization: `Bearer ${token}` });
    // A bare token is taken, as Gatehouse's API takes it; and without a tenant in the route, any tenant.
    const bare = await verifier.verify({ appKey: 'key-1', authorization: token, scope: READ });
    expect(bare.ok).toBe(true);
  });

  it('refuses a missing app key or token as Gatehouse does, with RFC 6750 challenges', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer });
    const token = await issuer.sign();
    expect(await verifier.verify({ ...call(token), appKey: undefined })).toEqual({
      ok: false,
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="gatehouse"' },
      body: { error: 'invalid_app_key', error_description: 'The ST-App-Key header is required.' },
    });
    expect(await verifier.verify({ ...call(token), appKey: ['key-1', 'key-2'] })).toMatchObject({
      status: 401,
      body: { error: 'invalid_app_key' },
    });
    for (const authorization of [undefined, '', 'Bearer', 'Bearer   ']) {
      expect(await verifier.verify({ ...call(token), authorization })).toEqual({
        ok: false,
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="gatehouse"' },
        body: {
          error: 'invalid_token',
          error_description: 'The Authorization header with an access token is required.',
        },
      });
    }
  });

  /** Tokens refused before Gatehouse is asked anything. */
  const bad: { name: string; token: (i: FakeIssuer) => Promise<string>; says: string }[] = [
    { name: 'a garbage token', token: async () => 'not-a-token', says: 'not valid' },
    { name: 'a forged signature', token: (i) => i.forge(), says: 'not valid' },
    { name: 'another type of JWT', token: (i) => i.sign({}, { typ: 'JWT' }), says: 'not valid' },
    {
      name: 'a gateway assertion',
      token: (i) => i.sign({}, { typ: 'gatehouse-assertion+jwt' }),
      says: 'not valid',
    },
    {
      name: 'an expired token',
      token: (i) =>
        i.sign(
          {},
          {},
          { iat: Math.floor(Date.now() / 1000) - 1000, exp: Math.floor(Date.now() / 1000) - 100 },
        ),
      says: 'expired',
    },
    {
      name: 'another issuer',
      token: (i) => i.sign({ iss: 'http://evil.example/integration' }),
      says: 'issuer',
    },
    {
      name: 'another audience',
      token: (i) => i.sign({ aud: 'http://evil.example/integration/api' }),
      says: 'audience',
    },
    {
      name: 'the production API',
      token: (i) => i.sign({ aud: i.issuer.replace('/integration', '/production/api') }),
      says: 'audience',
    },
    { name: 'a token without our claims', token: (i) => i.sign({ cid: undefined }), says: 'not valid' },
    { name: 'another tenant', token: (i) => i.sign({ tenant: '100200300' }), says: 'another tenant' },
  ];

  it.each(bad)('refuses $name as invalid_token without asking Gatehouse', async ({ token, says }) => {
    const verifier = createVerifier({ issuer: issuer.issuer });
    const before = issuer.asked.status;
    const result = await verifier.verify(call(await token(issuer)));
    expect(result).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
    if (result.ok) return;
    expect(result.body.error_description).toContain(says);
    expect(result.headers['www-authenticate']).toMatch(
      /^Bearer realm="gatehouse", error="invalid_token", error_description="/,
    );
    expect(issuer.asked.status).toBe(before);
  });

  it('refuses a token Gatehouse calls inactive, and a scope not in play with 403', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, statusTtlMs: 0 });
    const token = await issuer.sign({ scope: `${READ} tn.crm.customers:w` });
    expect(await verifier.verify(call(token, { scope: 'tn.acc.invoices:r' }))).toEqual({
      ok: false,
      status: 403,
      headers: {
        'www-authenticate': 'Bearer realm="gatehouse", error="insufficient_scope", scope="tn.acc.invoices:r"',
      },
      body: {
        error: 'insufficient_scope',
        error_description: 'This call needs the scope tn.acc.invoices:r.',
        scope: 'tn.acc.invoices:r',
      },
    });
    // The token still says :w, but Gatehouse's answer (the scopes in play) is what counts.
    issuer.answerStatus((request, response) => {
      response.end(JSON.stringify({ ...activeClaims(request), scope: READ }));
    });
    expect(await verifier.verify(call(token, { scope: 'tn.crm.customers:w' }))).toMatchObject({
      status: 403,
    });
    expect((await verifier.verify(call(token))).ok).toBe(true);
    issuer.answerStatus((_request, response) => response.end('{"active":false}'));
    expect(await verifier.verify(call(token))).toMatchObject({
      status: 401,
      body: { error: 'invalid_token', error_description: expect.stringContaining('revoked') },
    });
  });

  it('keeps an answer for statusTtlMs, and concurrent calls with the same credentials ask once', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, statusTtlMs: 300 });
    const token = await issuer.sign();
    await verifier.verify(call(await issuer.sign())); // the key set, fetched once
    const before = issuer.asked.status;
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(call(token))));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(issuer.asked.status - before).toBe(1);
    await verifier.verify(call(token));
    expect(issuer.asked.status - before).toBe(1);
    await sleep(350);
    await verifier.verify(call(token));
    expect(issuer.asked.status - before).toBe(2);
  });

  it('asks about a token with the first app key it came with only: another key is refused without asking', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, statusTtlMs: 0 });
    const token = await issuer.sign();
    expect((await verifier.verify(call(token))).ok).toBe(true);
    const before = issuer.asked.status;
    for (let i = 0; i < 5; i++)
      expect(await verifier.verify(call(token, { appKey: `made-up-${i}` }))).toMatchObject({
        status: 401,
        body: { error: 'invalid_token', error_description: expect.stringContaining('another app') },
      });
    expect(issuer.asked.status).toBe(before);
    // The token's own key goes on being asked about; another token may come with another key.
    expect((await verifier.verify(call(token))).ok).toBe(true);
    expect((await verifier.verify(call(await issuer.sign(), { appKey: 'key-2' }))).ok).toBe(true);
    expect(issuer.asked.status - before).toBe(2);
    // Pinned once Gatehouse answered, whatever it said: a key it called inactive stays the token's one.
    issuer.answerStatus((_request, response) => response.end('{"active":false}'));
    const refused = await issuer.sign();
    expect(await verifier.verify(call(refused, { appKey: 'made-up' }))).toMatchObject({ status: 401 });
    issuer.answerStatus('active');
    expect(await verifier.verify(call(refused))).toMatchObject({ status: 401 });
    expect(issuer.asked.status - before).toBe(3);
  });

  it('a revoke reaches it within statusTtlMs', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, statusTtlMs: 200 });
    const token = await issuer.sign();
    expect((await verifier.verify(call(token))).ok).toBe(true);
    issuer.answerStatus((_request, response) => response.end('{"active":false}'));
    const revokedAt = Date.now();
    while ((await verifier.verify(call(token))).ok) await sleep(10);
    expect(Date.now() - revokedAt).toBeLessThan(300);
  });

  it('fetches the key set once, again for a key it does not know, and not for every forged key id', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer });
    const before = issuer.asked.jwks;
    await Promise.all(Array.from({ length: 10 }, async () => verifier.verify(call(await issuer.sign()))));
    expect(issuer.asked.jwks - before).toBe(1);
    await issuer.addUnpublishedKey('nobody');
    for (let i = 0; i < 3; i++)
      expect(await verifier.verify(call(await issuer.sign({}, { kid: 'nobody' })))).toMatchObject({
        status: 401,
      });
    // Within a few seconds of the last fetch, an unknown key id fetches nothing.
    expect(issuer.asked.jwks - before).toBe(1);
    // Later, a key Gatehouse rotated in is found with one fetch.
    await issuer.rotate(`k-${before}`);
    await sleep(5100);
    expect((await verifier.verify(call(await issuer.sign()))).ok).toBe(true);
    expect((await verifier.verify(call(await issuer.sign()))).ok).toBe(true);
    expect(issuer.asked.jwks - before).toBe(2);
  });

  /** Gatehouse not answering as it does: the call is refused (fail closed), never let through. */
  const unreachable: {
    name: string;
    arrange: (i: FakeIssuer) => void;
    issuer?: string;
    timeoutMs?: number;
  }[] = [
    {
      name: 'token status answers 500',
      arrange: (i) =>
        i.answerStatus((_q, r) => {
          r.statusCode = 500;
          r.end();
        }),
    },
    {
      name: 'token status answers something else',
      arrange: (i) => i.answerStatus((_q, r) => r.end('{"active":"yes"}')),
    },
    { name: 'token status answers HTML', arrange: (i) => i.answerStatus((_q, r) => r.end('<html>')) },
    {
      name: 'token status is too slow',
      arrange: (i) =>
        i.answerStatus((_q, r) => {
          setTimeout(() => r.end('{"active":true}'), 500);
        }),
      timeoutMs: 100,
    },
    { name: 'the key set answers 503', arrange: (i) => i.answerJwks(503) },
    { name: 'nothing listens', arrange: () => {}, issuer: 'http://127.0.0.1:9/integration' },
  ];

  it.each(unreachable)(
    'answers 503 temporarily_unavailable when $name',
    async ({ arrange, issuer: other, timeoutMs }) => {
      arrange(issuer);
      const verifier = createVerifier({ issuer: other ?? issuer.issuer, timeoutMs });
      const token = await issuer.sign(other ? { iss: other, aud: `${other}/api` } : {});
      expect(await verifier.verify(call(token))).toEqual({
        ok: false,
        status: 503,
        headers: { 'retry-after': '1' },
        body: { error: 'temporarily_unavailable', error_description: expect.any(String) },
      });
    },
  );

  it("fails closed with Gatehouse's Retry-After when it holds the resource server back, and asks nothing until then", async () => {
    const verifier = createVerifier({ issuer: issuer.issuer, statusTtlMs: 0 });
    const good = await issuer.sign();
    expect((await verifier.verify(call(good))).ok).toBe(true);
    issuer.answerStatus((_q, r) => {
      r.statusCode = 429;
      r.setHeader('retry-after', '3');
      r.end('{"error":"rate_limited","error_description":"Too many failed authentications."}');
    });
    const held = {
      ok: false,
      status: 503,
      headers: { 'retry-after': expect.stringMatching(/^[23]$/) },
      body: { error: 'temporarily_unavailable', error_description: expect.any(String) },
    };
    expect(await verifier.verify(call(await issuer.sign()))).toEqual({
      ...held,
      headers: { 'retry-after': '3' },
    });
    const asked = issuer.asked.status;
    issuer.answerStatus('active');
    expect(await verifier.verify(call(good))).toEqual(held);
    expect(await verifier.verify(call(await issuer.sign()))).toEqual(held);
    expect(issuer.asked.status).toBe(asked);
  });

  it('takes a Retry-After of seconds or a date, between one second and a minute', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterOf('7', now)).toBe(7);
    expect(retryAfterOf('0', now)).toBe(1);
    expect(retryAfterOf('86400', now)).toBe(60);
    expect(retryAfterOf('Wed, 01 Jan 2025 00:00:12 GMT', now)).toBe(12);
    expect(retryAfterOf(null, now)).toBe(1);
    expect(retryAfterOf('soon', now)).toBe(1);
  });

  it('asks again after a failure instead of keeping it, and a key Gatehouse said nothing about pins nothing', async () => {
    const verifier = createVerifier({ issuer: issuer.issuer });
    const token = await issuer.sign();
    issuer.answerStatus((_q, r) => {
      r.statusCode = 502;
      r.end();
    });
    expect(await verifier.verify(call(token, { appKey: 'made-up' }))).toMatchObject({ status: 503 });
    issuer.answerStatus('active');
    expect((await verifier.verify(call(token))).ok).toBe(true);
  });
});

/** The token-status answer the fake issuer gives by default, for a handler that changes part of it. */
function activeClaims(request: import('node:http').IncomingMessage) {
  const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
  return { active: true, ...JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) };
}
