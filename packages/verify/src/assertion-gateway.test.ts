import { SCOPE_CATALOG } from '@gatehouse/domain';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gatehouse, type Party, startGatehouse, TENANT } from '../test/gatehouse';
import { type AssertionResult, type AssertionVerifier, createAssertionVerifier } from './assertion';
import { createVerifier } from './verifier';

const CUSTOMERS = `/crm/v2/tenant/${TENANT}/customers`;

/** Gatehouse's gateway mode in front of a CRM upstream that checks each call's assertion with this package. */
describe('createAssertionVerifier against the assertions of a running Gatehouse gateway', () => {
  let upstream: FastifyInstance;
  let upstreamUrl: string;
  let gatehouse: Gatehouse;
  let party: Party;
  let assertions: AssertionVerifier;
  /** What the upstream saw of the last call: the verdict on its assertion and the assertion itself. */
  let seen: { result: AssertionResult; assertion: string; requestId: string } | undefined;

  beforeAll(async () => {
    upstream = Fastify();
    upstream.all('/base/*', async (request) => {
      const assertion = request.headers['gatehouse-assertion'] as string;
      const result = await assertions.verify(assertion, { method: request.method, path: request.url });
      seen = { result, assertion, requestId: request.headers['gatehouse-request-id'] as string };
      return { ok: result.ok };
    });
    // A base URL with a path: the assertion names the path the upstream receives.
    upstreamUrl = `${await upstream.listen({ port: 0, host: '127.0.0.1' })}/base`;
    const crm = SCOPE_CATALOG.find((area) => area.path === 'crm')!;
    gatehouse = await startGatehouse({
      gateway: {
        upstreams: new Map([
          [
            'crm',
            {
              area: crm,
              url: upstreamUrl,
              timeoutMs: 5000,
              connections: 4,
              breaker: { failures: 5, cooldownMs: 10_000 },
            },
          ],
        ]),
        routes: [],
      },
    });
    assertions = createAssertionVerifier({ issuer: gatehouse.issuer, audience: upstreamUrl });
    [party] = (await gatehouse.connect(['tn.crm.customers:r', 'tn.crm.customers:w'])) as [Party];
  });
  afterAll(async () => {
    await gatehouse?.close();
    await upstream?.close();
  });

  const throughGateway = async (method: string, query = '') => {
    seen = undefined;
    const response = await fetch(`${gatehouse.url}/integration/api${CUSTOMERS}${query}`, {
      method,
      headers: {
        authorization: `Bearer ${await gatehouse.token(party)}`,
        'st-app-key': party.appKey,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: method === 'POST' ? '{"name":"Summit HVAC"}' : undefined,
    });
    expect(response.status).toBe(200);
    return seen!;
  };

  it('verifies the assertion of each call and returns who is calling', async () => {
    for (const method of ['GET', 'POST']) {
      const { result, requestId } = await throughGateway(method, '?page=2');
      expect(result).toEqual({
        ok: true,
        claims: expect.objectContaining({
          iss: gatehouse.issuer,
          aud: upstreamUrl,
          app_id: party.appId,
          tenant: TENANT,
          env: 'integration',
          client_id: party.clientId,
          cid: party.connectionId,
          scope: 'tn.crm.customers:r tn.crm.customers:w',
          request_id: requestId,
          htm: method,
          htu: `/base${CUSTOMERS}?page=2`,
        }),
      });
    }
  });

  it('refuses an assertion made for another query, and one sent again', async () => {
    const { assertion, result } = await throughGateway('GET', '?page=2&pageSize=50');
    expect(result.ok).toBe(true);
    const call = { method: 'GET', path: `/base${CUSTOMERS}?page=2&pageSize=50` };
    // The upstream took it: sent again within its life, it is refused.
    expect(await assertions.verify(assertion, call)).toMatchObject({
      ok: false,
      status: 401,
      description: 'The assertion was used already.',
    });
    const unguarded = createAssertionVerifier({
      issuer: gatehouse.issuer,
      audience: upstreamUrl,
      replayCache: false,
    });
    expect((await unguarded.verify(assertion, call)).ok).toBe(true);
    for (const path of [
      `/base${CUSTOMERS}?page=3&pageSize=50`,
      `/base${CUSTOMERS}?page=2`,
      `/base${CUSTOMERS}`,
    ])
      expect(await unguarded.verify(assertion, { method: 'GET', path })).toMatchObject({
        ok: false,
        status: 401,
        description: 'The assertion was made for another call.',
      });
  });

  it("refuses the gateway's assertion at another upstream, for another call, or as an access token", async () => {
    const { assertion } = await throughGateway('GET');
    const elsewhere = createAssertionVerifier({ issuer: gatehouse.issuer, audience: 'http://jobs.internal' });
    expect(await elsewhere.verify(assertion)).toMatchObject({ ok: false, status: 401 });
    expect(await assertions.verify(assertion, { method: 'DELETE', path: `/base${CUSTOMERS}` })).toMatchObject(
      {
        ok: false,
        status: 401,
      },
    );
    const production = createAssertionVerifier({
      issuer: gatehouse.issuer.replace(/integration$/, 'production'),
      audience: upstreamUrl,
    });
    expect(await production.verify(assertion)).toMatchObject({ ok: false, status: 401 });
    const tokens = createVerifier({ issuer: gatehouse.issuer });
    expect(
      await tokens.verify({
        appKey: party.appKey,
        authorization: `Bearer ${assertion}`,
        scope: 'tn.crm.customers:r',
      }),
    ).toMatchObject({ ok: false, status: 401, body: { error: 'invalid_token' } });
    // And an access token is no assertion.
    expect(await assertions.verify(await gatehouse.token(party))).toMatchObject({ ok: false, status: 401 });
  });
});
