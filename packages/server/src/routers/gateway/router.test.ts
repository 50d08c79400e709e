import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, gatewayConfig, recordingUpstream } from '#test/gateway';
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
import { readGatewayConfig } from '../../gateway/config';
import type { GatewayHealthSource, GatewayView, UpstreamHealth } from '../../gateway/health';
import { Upstreams } from '../../gateway/upstream';
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

  it("shows a reviewer a real gateway's upstreams: the one that answers closed, the stopped one open with its last error", async () => {
    const live = await recordingUpstream();
    const deadUrl = `http://127.0.0.1:${await closedPort()}`;
    const upstreams = new Upstreams(
      readGatewayConfig({
        upstreams: JSON.stringify({
          crm: live.url,
          jpm: { url: deadUrl, timeoutMs: 1500, breaker: { failures: 2, cooldownMs: 600_000 } },
        }),
      }),
    );
    try {
      const get = (area: string, path: string) =>
        upstreams.get(area)!.send({ method: 'GET', path, headers: {}, body: null });
      const answer = await get('crm', '/crm/v2/tenant/985798691/customers');
      if (answer.ok) answer.body.resume();
      expect(answer.ok && answer.status).toBe(200);
      const before = Date.now();
      for (let i = 0; i < 3; i++) await get('jpm', '/jpm/v2/tenant/985798691/jobs');

      const view = await (await withGateway(upstreams, REVIEWER)).gateway.upstreams();
      const byArea = new Map(view.upstreams.map((upstream) => [upstream.area, upstream]));
      expect(byArea.get('crm')).toMatchObject({
        areaName: 'CRM',
        url: live.url,
        circuit: 'closed',
        openUntil: null,
        consecutiveFailures: 0,
        failureThreshold: 5,
        lastError: null,
        calls: 1,
        failures: 0,
      });
      expect(byArea.get('crm')?.lastSuccessAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      const jpm = byArea.get('jpm');
      expect(jpm).toMatchObject({
        areaName: 'Job Planning',
        url: deadUrl,
        timeoutMs: 1500,
        circuit: 'open',
        consecutiveFailures: 2,
        failureThreshold: 2,
        lastSuccessAt: null,
        calls: 2,
        failures: 2,
        inFlight: 0,
      });
      expect(jpm?.lastError?.message).toMatch(/ECONNREFUSED/);
      expect(jpm?.lastError?.at).toBeInstanceOf(Date);
      expect(jpm?.openUntil?.getTime()).toBeGreaterThan(Date.now() + 500_000);
      expect(view.routes).toEqual([]);
    } finally {
      await upstreams.close();
      await live.close();
    }
  });

  it('lists the route rules in their order: the methods or any, the pattern, the scope or a refusal', async () => {
    const upstreams = new Upstreams(
      gatewayConfig({
        upstreams: { crm: 'http://10.0.0.5:8080', jpm: 'http://jobs.internal' },
        routes: [
          {
            method: 'POST',
            path: '/crm/v2/tenant/{tenant}/customers/*/merge',
            scope: 'tn.crm.customers:w',
          },
          { method: ['GET', 'HEAD'], path: '/jpm/v2/tenant/{tenant}/jobs/**', scope: 'tn.jpm.jobs:r' },
          { path: '/jpm/v2/tenant/{tenant}/exports/**', scope: 'deny' },
        ],
      }),
    );
    try {
      const view = await (await withGateway(upstreams, REVIEWER)).gateway.upstreams();
      expect(view.upstreams.map((upstream) => [upstream.area, upstream.url, upstream.circuit])).toEqual([
        ['crm', 'http://10.0.0.5:8080', 'closed'],
        ['jpm', 'http://jobs.internal', 'closed'],
      ]);
      expect(view.routes).toEqual([
        { methods: ['POST'], path: '/crm/v2/tenant/{tenant}/customers/*/merge', scope: 'tn.crm.customers:w' },
        { methods: ['GET', 'HEAD'], path: '/jpm/v2/tenant/{tenant}/jobs/**', scope: 'tn.jpm.jobs:r' },
        { methods: null, path: '/jpm/v2/tenant/{tenant}/exports/**', scope: null },
      ]);
    } finally {
      await upstreams.close();
    }
  });
});
