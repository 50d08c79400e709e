import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIssuer, fakeIssuer } from '../test/fake-issuer';
import { createAssertionVerifier } from './assertion';

const UPSTREAM = 'http://crm.internal:8080';

describe('createAssertionVerifier', () => {
  let issuer: FakeIssuer;
  beforeAll(async () => {
    issuer = await fakeIssuer();
  });
  afterAll(() => issuer.close());

  /** An assertion as the gateway signs one, changed as asked. */
  const assertion = (claims: Record<string, unknown> = {}, typ = 'gatehouse-assertion+jwt', exp?: number) =>
    issuer.sign(
      {
        aud: UPSTREAM,
        sub: 'app-1',
        request_id: 'req-1',
        htm: 'GET',
        htu: '/crm/v2/tenant/985798691/customers?page=2',
        ...claims,
      },
      { typ },
      exp === undefined ? {} : { iat: exp - 60, exp },
    );

  it('returns the claims of a good assertion, and checks it was made for this call when asked', async () => {
    const verifier = createAssertionVerifier({
      issuer: issuer.issuer,
      audience: UPSTREAM,
      replayCache: false,
    });
    const result = await verifier.verify(await assertion(), {
      method: 'get',
      path: '/crm/v2/tenant/985798691/customers?page=2',
    });
    expect(result).toMatchObject({
      ok: true,
      claims: {
        app_id: 'app-1',
        tenant: '985798691',
        env: 'integration',
        client_id: 'client-1',
        cid: 'connection-1',
        scope: 'tn.crm.customers:r',
        request_id: 'req-1',
        htm: 'GET',
        htu: '/crm/v2/tenant/985798691/customers?page=2',
      },
    });
    // Another method, path or query is another call, and so is the same path without the query.
    for (const request of [
      { method: 'POST', path: '/crm/v2/tenant/985798691/customers?page=2' },
      { method: 'GET', path: '/crm/v2/tenant/100200300/customers?page=2' },
      { method: 'GET', path: '/crm/v2/tenant/985798691/customers?page=3' },
      { method: 'GET', path: '/crm/v2/tenant/985798691/customers?page=2&pageSize=500' },
      { method: 'GET', path: '/crm/v2/tenant/985798691/customers' },
    ])
      expect(await verifier.verify(await assertion(), request)).toMatchObject({
        ok: false,
        status: 401,
        error: 'invalid_assertion',
      });
  });

  const refused: { name: string; value: () => Promise<string | undefined> }[] = [
    { name: 'no header', value: async () => undefined },
    { name: 'an access token', value: () => assertion({}, 'at+jwt') },
    { name: "another upstream's assertion", value: () => assertion({ aud: 'http://jobs.internal' }) },
    { name: 'another issuer', value: () => assertion({ iss: 'http://evil.example/integration' }) },
    {
      name: 'an expired assertion',
      value: () => assertion({}, undefined, Math.floor(Date.now() / 1000) - 5),
    },
    { name: 'a forged signature', value: () => issuer.forge({ aud: UPSTREAM }) },
    { name: 'missing claims', value: () => assertion({ request_id: undefined }) },
  ];

  it.each(refused)('refuses $name with 401', async ({ value }) => {
    const verifier = createAssertionVerifier({ issuer: issuer.issuer, audience: UPSTREAM });
    expect(await verifier.verify(await value())).toMatchObject({
      ok: false,
      status: 401,
      error: 'invalid_assertion',
    });
  });

  it('takes an assertion once: sent again within its life it is refused; a refused call does not use it up', async () => {
    const verifier = createAssertionVerifier({ issuer: issuer.issuer, audience: UPSTREAM });
    const call = { method: 'GET', path: '/crm/v2/tenant/985798691/customers?page=2' };
    const once = await assertion();
    expect(await verifier.verify(once, { ...call, method: 'DELETE' })).toMatchObject({ ok: false });
    expect((await verifier.verify(once, call)).ok).toBe(true);
    expect(await verifier.verify(once, call)).toEqual({
      ok: false,
      status: 401,
      error: 'invalid_assertion',
      description: 'The assertion was used already.',
    });
    expect((await verifier.verify(await assertion(), call)).ok).toBe(true);
    // Turned off, the same assertion passes as often as it comes within its life.
    const unguarded = createAssertionVerifier({
      issuer: issuer.issuer,
      audience: UPSTREAM,
      replayCache: false,
    });
    for (let i = 0; i < 3; i++) expect((await unguarded.verify(once, call)).ok).toBe(true);
  });

  it('remembers at most maxEntries assertions, forgetting the oldest first', async () => {
    const verifier = createAssertionVerifier({
      issuer: issuer.issuer,
      audience: UPSTREAM,
      replayCache: { maxEntries: 2 },
    });
    const [first, second, third] = await Promise.all([assertion(), assertion(), assertion()]);
    for (const each of [first, second, third]) expect((await verifier.verify(each)).ok).toBe(true);
    expect(await verifier.verify(third)).toMatchObject({ ok: false, status: 401 });
    expect(await verifier.verify(second)).toMatchObject({ ok: false, status: 401 });
    expect((await verifier.verify(first)).ok).toBe(true);
  });

  it("answers 503 when Gatehouse's key set cannot be fetched", async () => {
    const verifier = createAssertionVerifier({
      issuer: 'http://127.0.0.1:9/integration',
      audience: UPSTREAM,
    });
    expect(await verifier.verify(await assertion())).toMatchObject({ ok: false, status: 503 });
  });
});
