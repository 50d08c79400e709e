import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gatehouse, type Party, startGatehouse, TENANT } from '../test/gatehouse';
import { createVerifier, type Verifier } from './verifier';

const READ = 'tn.crm.customers:r';
/** Failed authentications an address may make in a minute at this Gatehouse. */
const LIMIT = 3;

/**
 * Gatehouse counts a token-status question about a token that is none of its own against the address that
 * asks, the resource server's, and holds it back (429) once over the limit. Each resource server here has
 * an address of its own (sent as x-forwarded-for, which this Gatehouse trusts from the loopback).
 */
describe('createVerifier against a Gatehouse that holds back an address failing authentication', () => {
  let gatehouse: Gatehouse;
  let party: Party;
  let addresses = 0;

  /** A resource server at an address of its own, and how many token-status questions it asked. */
  const resourceServer = () => {
    const address = `198.51.100.${++addresses}`;
    const asked = { status: 0 };
    const verifier: Verifier = createVerifier({
      issuer: gatehouse.issuer,
      statusTtlMs: 0,
      fetch: (input, init) => {
        if (String(input).endsWith('/connect/token-status')) asked.status++;
        const headers = new Headers(init?.headers);
        headers.set('x-forwarded-for', address);
        return fetch(input, { ...init, headers });
      },
    });
    const call = (token: string, appKey: string) =>
      verifier.verify({ appKey, authorization: `Bearer ${token}`, scope: READ, tenant: TENANT });
    /** Something else at the resource server's address asking Gatehouse about a made-up token. */
    const askMadeUp = async () => {
      const response = await fetch(`${gatehouse.issuer}/connect/token-status`, {
        headers: {
          authorization: `Bearer ${randomUUID()}`,
          'st-app-key': party.appKey,
          'x-forwarded-for': address,
        },
      });
      await response.body?.cancel();
      return response.status;
    };
    return { call, asked, askMadeUp };
  };

  beforeAll(async () => {
    gatehouse = await startGatehouse({
      failureLimit: { calls: LIMIT, windowMs: 60_000 },
      trustProxy: ['127.0.0.1'],
    });
    [party] = (await gatehouse.connect([READ])) as [Party];
  });
  afterAll(() => gatehouse?.close());

  it('one good token sent with many made-up app keys at once costs one question and gets nobody held back', async () => {
    const server = resourceServer();
    const token = await gatehouse.token(party);
    const answers = await Promise.all(
      Array.from({ length: LIMIT * 3 }, () => server.call(token, `ghk_${randomUUID()}`)),
    );
    for (const answer of answers)
      expect(answer).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
    expect(server.asked.status).toBe(1);
    expect((await server.call(await gatehouse.token(party), party.appKey)).ok).toBe(true);
  });

  it('fresh good tokens, each with a made-up app key, get nobody held back', async () => {
    const server = resourceServer();
    for (let i = 0; i < LIMIT * 2; i++)
      expect(await server.call(await gatehouse.token(party), `ghk_${randomUUID()}`)).toMatchObject({
        status: 401,
        body: { error: 'invalid_token' },
      });
    expect(server.asked.status).toBe(LIMIT * 2);
    expect((await server.call(await gatehouse.token(party), party.appKey)).ok).toBe(true);
  });

  it("held back for made-up tokens sent from its address, it fails closed with Gatehouse's Retry-After and stops asking", async () => {
    const server = resourceServer();
    for (let i = 0; i < LIMIT; i++) expect(await server.askMadeUp()).toBe(200);
    expect(await server.askMadeUp()).toBe(429);
    const held = await server.call(await gatehouse.token(party), party.appKey);
    expect(held).toMatchObject({ ok: false, status: 503, body: { error: 'temporarily_unavailable' } });
    if (held.ok) return;
    // Gatehouse holds it back until its minute's window lets it fail again.
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(30);
    expect(Number(held.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Good credentials are refused again, without a question, until then: the check fails closed.
    const asked = server.asked.status;
    expect(await server.call(await gatehouse.token(party), party.appKey)).toMatchObject({ status: 503 });
    expect(server.asked.status).toBe(asked);
    // A resource server at another address goes on.
    expect((await resourceServer().call(await gatehouse.token(party), party.appKey)).ok).toBe(true);
  });

  it('asking about the tokens of a disabled connection, however many, gets nobody held back', async () => {
    const server = resourceServer();
    const [disabled] = (await gatehouse.connect([READ])) as [Party];
    const tokens = await Promise.all(Array.from({ length: LIMIT * 2 }, () => gatehouse.token(disabled)));
    await gatehouse.admin(TENANT).connections.disable({ connectionId: disabled.connectionId });
    for (const token of tokens)
      expect(await server.call(token, disabled.appKey)).toMatchObject({
        status: 401,
        body: { error: 'invalid_token' },
      });
    expect(server.asked.status).toBe(LIMIT * 2);
    expect((await server.call(await gatehouse.token(party), party.appKey)).ok).toBe(true);
  });
});
