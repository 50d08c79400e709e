import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  credentials,
  crmPath,
  type GatewayRig,
  gatewayRig,
  partyCallers,
  partyFactory,
  recordingUpstream,
} from '#test/gateway';
import { dialects } from '#test/harness';

describe.each(dialects)('the request log in gateway mode (%s)', (dialect) => {
  let rig: GatewayRig;
  let party: ReturnType<typeof partyFactory>;
  beforeAll(async () => {
    rig = await gatewayRig(
      dialect,
      () => recordingUpstream(),
      (url) => ({ upstreams: { crm: { url } } }),
    );
    party = partyFactory(rig.server.url, await partyCallers(rig.t));
  });
  afterAll(async () => {
    await rig?.close();
  });

  it("logs a proxied call under its route template with the id the upstream got, and a call the client named under an id of Gatehouse's own", async () => {
    const [caller] = await party(['tn.crm.customers:r']);
    const answer = await call(rig.server.url, crmPath('customers/42?expand=notes'), {
      headers: credentials(caller),
    });
    expect(answer.status).toBe(200);
    const upstreamId = rig.crm.arrivals.at(-1)?.headers['gatehouse-request-id'];
    expect(answer.headers['x-request-id']).toBe(upstreamId);
    expect(answer.headers['gatehouse-request-id']).toBe(upstreamId);
    const refused = await call(rig.server.url, crmPath('customers/42'), {
      method: 'DELETE',
      headers: { ...credentials(caller), 'x-request-id': 'client-chosen-7' },
    });
    expect(refused.status).toBe(403);
    // The client's own id comes back as it sent it; the log names the call by Gatehouse's id, told beside it.
    expect(refused.headers['x-request-id']).toBe('client-chosen-7');
    const ownId = refused.headers['gatehouse-request-id'];
    expect(ownId).toMatch(/^[0-9a-f-]{36}$/);

    await rig.server.app.runtime.requestLog.flush();
    const dev = await rig.t.as('dev@gatehouse.test');
    const { items } = await dev.requests.appLog({ appId: caller.appId, filters: { kind: 'api' } });
    const lines = items.map(({ requestId, route, status, errorCode }) => ({
      requestId,
      route,
      status,
      errorCode,
    }));
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        {
          requestId: ownId,
          route: 'DELETE /crm/v2/tenant/{tenant}/customers/{id}',
          status: 403,
          errorCode: 'insufficient_scope',
        },
        {
          requestId: upstreamId,
          route: 'GET /crm/v2/tenant/{tenant}/customers/{id}',
          status: 200,
          errorCode: null,
        },
      ]),
    );
  });
});
