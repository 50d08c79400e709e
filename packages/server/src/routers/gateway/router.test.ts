import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  type Caller,
  DEV,
  dialects,
  openTestDatabase,
  REVIEWER,
  rejection,
  signIn,
  type TestDatabase,
} from '#test/harness';
import { startSession } from '../../auth/sessions';
import { createContextInner } from '../../context';
import { User } from '../../db/entities';
import type { GatewayHealthSource, GatewayView, UpstreamHealth } from '../../gateway/health';
import { createCaller } from '../../root';

const openedAt = new Date('2030-01-02T03:04:05.000Z');

const deadCrm: UpstreamHealth = {
  area: 'crm',
  areaName: 'CRM',
  url: 'http://10.0.0.5:8080',
  timeoutMs: 2000,
  circuit: 'open',
  openUntil: new Date(openedAt.getTime() + 30_000),
  consecutiveFailures: 2,
  failureThreshold: 2,
  lastError: { message: 'connect ECONNREFUSED 10.0.0.5:8080', at: openedAt },
  lastSuccessAt: null,
  calls: 2,
  failures: 2,
  inFlight: 0,
};

/** A gateway whose state the test sets, as an instance's circuits change between two looks at the page. */
function fakeGateway(view: GatewayView): GatewayHealthSource & { current: GatewayView } {
  return {
    current: view,
    view() {
      return this.current;
    },
  };
}

describe.each(dialects)('gateway router on %s', (dialect) => {
  let t: TestDatabase;
  let dev: () => Caller;
  let admin: () => Caller;
  let reviewer: () => Caller;

  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    [dev, admin, reviewer] = await Promise.all([signIn(t, DEV), signIn(t, ADMIN), signIn(t, REVIEWER)]);
  });
  afterAll(async () => t?.close());

  /** A caller whose server runs `gateway`, signed in as `email` (anonymous without one). */
  async function withGateway(gateway: GatewayHealthSource, email?: string): Promise<Caller> {
    let sessionToken: string | null = null;
    if (email) {
      const user = await t.db.em().findOneOrFail(User, { email });
      sessionToken = (await startSession(t.db.em(), user.id)).token;
    }
    return createCaller(() => createContextInner({ db: t.db, sessionToken, gateway }));
  }

  it('answers a reviewer with no upstreams and no rules when gateway mode is off', async () => {
    expect(await reviewer().gateway.upstreams()).toEqual({ upstreams: [], routes: [] });
  });

  it('refuses without a session, and refuses developers and tenant admins, as the other reviewer pages do', async () => {
    expect((await rejection(t.anonymous().gateway.upstreams())).code).toBe('UNAUTHORIZED');
    for (const caller of [dev, admin])
      expect(await rejection(caller().gateway.upstreams())).toEqual({
        code: 'FORBIDDEN',
        message: 'Only platform reviewers can do this.',
        fieldErrors: null,
      });
  });

  it('refuses them when a gateway is configured too: its upstreams and errors are for reviewers alone', async () => {
    const gateway = fakeGateway({ upstreams: [deadCrm], routes: [] });
    expect((await rejection((await withGateway(gateway)).gateway.upstreams())).code).toBe('UNAUTHORIZED');
    for (const email of [DEV, ADMIN]) {
      const failure = await rejection((await withGateway(gateway, email)).gateway.upstreams());
      expect(failure.code).toBe('FORBIDDEN');
      expect(JSON.stringify(failure)).not.toContain('10.0.0.5');
    }
  });

  it("shows a reviewer each upstream's health with its times as dates, and the route rules", async () => {
    const routes = [
      { methods: ['POST'], path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
      { methods: null, path: '/crm/v2/tenant/{tenant}/export/**', scope: null },
    ];
    const gateway = fakeGateway({ upstreams: [deadCrm], routes });
    const view = await (await withGateway(gateway, REVIEWER)).gateway.upstreams();
    expect(view).toEqual({ upstreams: [deadCrm], routes });
    expect(view.upstreams[0]?.lastError?.at).toBeInstanceOf(Date);
  });

  it('reads the circuits afresh on every call, so a refreshed page shows a recovered upstream', async () => {
    const gateway = fakeGateway({ upstreams: [deadCrm], routes: [] });
    const caller = await withGateway(gateway, REVIEWER);
    expect((await caller.gateway.upstreams()).upstreams[0]?.circuit).toBe('open');
    const recoveredAt = new Date(openedAt.getTime() + 40_000);
    gateway.current = {
      upstreams: [
        {
          ...deadCrm,
          circuit: 'closed',
          openUntil: null,
          consecutiveFailures: 0,
          lastSuccessAt: recoveredAt,
        },
      ],
      routes: [],
    };
    expect((await caller.gateway.upstreams()).upstreams[0]).toMatchObject({
      circuit: 'closed',
      openUntil: null,
      consecutiveFailures: 0,
      lastSuccessAt: recoveredAt,
      lastError: deadCrm.lastError,
    });
  });
});
