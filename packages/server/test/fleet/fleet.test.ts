import type { Environment } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, REVIEWER } from '../harness';
import { portalClient } from '../http-client';
import {
  type Answer,
  gatedRead,
  gatedWrite,
  load,
  metric,
  revokeToken,
  scrape,
  sleep,
  tokenRequest,
  untilRefused,
} from './calls';
import { type Fleet, missingServices, type Party, startFleet, T1, T2 } from './fleet';

/**
 * The promise is one second from the change's acknowledgement on A to refusals on B. What is measured here
 * is an upper bound of that: up to one polling step (50 ms) passes between the change taking effect and
 * the probe that sees it, and the elapsed time runs to the end of that probe's round trip. On a loaded
 * two-core CI machine three Node processes and PostgreSQL share the cores, so scheduling adds tens of
 * milliseconds more: 150 ms covers those, and a change that took a second still fails.
 */
const WITHIN_MS = 1000 + 50 + 150;

/** A call B makes for the party, what it answers while the party may make it, and once it may not. */
interface Probe {
  name: string;
  call: (url: string, party: Party) => Promise<number>;
  served: number;
  refused: number;
}

const read: Probe = { name: 'gated read', call: gatedRead, served: 200, refused: 401 };
const write: Probe = { name: 'gated write', call: gatedWrite, served: 201, refused: 403 };
const token: Probe = { name: 'token request', call: tokenRequest, served: 200, refused: 401 };

const cases: {
  change: string;
  scopes: string[];
  where: { tenant: string; env: Environment };
  act: (fleet: Fleet, party: Party) => Promise<unknown>;
  probes: Probe[];
}[] = [
  {
    change: 'the connection is disabled',
    scopes: ['tn.crm.customers:r'],
    where: { tenant: T1, env: 'integration' },
    act: (fleet, party) =>
      fleet.admins[party.tenant]!.mutate('connections.disable', { connectionId: party.connectionId }),
    probes: [read, token],
  },
  {
    change: 'the client secret is revoked',
    scopes: ['tn.crm.customers:r'],
    where: { tenant: T2, env: 'integration' },
    act: async (fleet, party) => {
      const admin = fleet.admins[party.tenant]!;
      const { secrets } = await admin.query('connections.get', { connectionId: party.connectionId });
      return admin.mutate('connections.revokeSecret', {
        connectionId: party.connectionId,
        secretId: secrets[0].id,
      });
    },
    probes: [read, token],
  },
  {
    change: 'the token is revoked',
    scopes: ['tn.crm.customers:r'],
    where: { tenant: T1, env: 'production' },
    act: async (fleet, party) => {
      const status = await revokeToken(fleet.a.url, party);
      if (status !== 200) throw new Error(`revocation answered ${status}`);
    },
    // The connection's credentials still get new tokens: only this one is refused.
    probes: [read],
  },
  {
    change: 'the app is deleted',
    scopes: ['tn.crm.customers:r'],
    where: { tenant: T2, env: 'production' },
    act: (fleet, party) =>
      fleet.dev.mutate('apps.delete', { appId: party.appId, confirmName: party.appName }),
    probes: [read, token],
  },
  {
    change: 'an upgrade takes the write scope out of play',
    scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'],
    where: { tenant: T1, env: 'integration' },
    act: async (fleet, party) => {
      await fleet.dev.mutate('apps.saveScopes', { appId: party.appId, scopes: ['tn.crm.customers:r'] });
      return fleet.admins[party.tenant]!.mutate('connections.upgrade', {
        connectionId: party.connectionId,
        toVersion: 2,
      });
    },
    // The token still carries the write scope; it no longer counts on any instance.
    probes: [write],
  },
];

describe.skipIf(missingServices)('two instances on one database and one Redis', () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ metrics: true });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it.each(cases)('when $change on A, B refuses within a second', async ({ scopes, where, act, probes }) => {
    const [party] = await fleet.connect(scopes, [where]);
    const { b } = fleet;
    // B served this party just before: whatever it cached for it is warm.
    for (const probe of probes)
      expect(await probe.call(b.url, party!), `${probe.name} on B before the change`).toBe(probe.served);

    await act(fleet, party!);
    const acknowledged = Date.now();
    const results = await untilRefused(
      probes.map((probe) => ({
        name: probe.name,
        call: () => probe.call(b.url, party!),
        refusedWith: probe.refused,
      })),
      acknowledged,
    );

    for (const probe of probes) {
      const { elapsedMs, before } = results[probe.name]!;
      // Until the refusal, B answered as before: never an error, never anything else.
      expect(
        before.filter((status) => status !== probe.served),
        `${probe.name} on B before it was refused`,
      ).toEqual([]);
      expect(elapsedMs, `${probe.name} on B: refused this many ms after A acknowledged`).not.toBeNull();
      expect(elapsedMs!).toBeLessThan(WITHIN_MS);
    }
  });

  it('holds one app and tenant to 60 calls a second across both instances together', async () => {
    const [party] = await fleet.connect(['tn.crm.customers:r'], [{ tenant: T2, env: 'integration' }]);
    const { a, b } = fleet;
    expect([await gatedRead(a.url, party!), await gatedRead(b.url, party!)]).toEqual([200, 200]);
    // A window free of the calls above.
    await sleep(1100);

    const started = Date.now();
    const running = load([a, b], (url) => gatedRead(url, party!), 8);
    await sleep(3000);
    const answers = await running.stop();
    const ended = Date.now();

    const statuses = (instance: string) =>
      answers.filter((answer) => answer.instance === instance).map((answer) => answer.status);
    for (const instance of ['A', 'B']) {
      // Each instance both let calls through and refused the rest: the budget is one, spent on both.
      expect(new Set(statuses(instance)), `statuses on ${instance}`).toEqual(new Set([200, 429]));
    }
    const allowed = answers.filter((answer) => answer.status === 200);
    // Well beyond the limit, or the test would prove nothing.
    expect(answers.length).toBeGreaterThan(2 * 3 * 60);

    /**
     * The limit is a sliding log in Redis, by Redis's clock (this machine's): at most 60 calls allowed in any
     * 1000 ms. A call was decided at some moment between its sending and its answer, so the calls sent and
     * answered within one 1000 ms were all decided within it: never more than 60, however late the answers
     * of a loaded machine come. A limit of each instance's own would let about 120 through.
     */
    expect(busiestSecond(allowed)).toBeLessThanOrEqual(60);
    /**
     * And the budget is spent, not refused wholesale: after the first window's burst, 60 a second. Over the
     * two seconds measured that is 120 calls, give or take 10 %: calls decided just before the span whose
     * answers arrive inside it (up to 200 ms of them on a loaded machine: 12 calls), or a moment the test
     * process could not keep the load up.
     */
    const steady = allowed.filter((answer) => answer.at >= started + 1000);
    const perSecond = steady.length / ((ended - started - 1000) / 1000);
    expect(perSecond).toBeGreaterThanOrEqual(54);
    expect(perSecond).toBeLessThanOrEqual(66);
  });

  it("leaves B's caches warm while people sign in and mark notifications read on A", async () => {
    const [party] = await fleet.connect(['tn.crm.customers:r'], [{ tenant: T1, env: 'production' }]);
    const { a, b } = fleet;
    const serve = async () => [await gatedRead(b.url, party!), await tokenRequest(b.url, party!)];
    // B learns the party: its client, app key, connection and the token's proof are cached from here on.
    expect(await serve()).toEqual([200, 200]);
    // Whatever the creation of this party announced has reached B before the count starts.
    await sleep(WITHIN_MS);
    expect(await serve()).toEqual([200, 200]);
    const before = await scrape(b.metricsUrl);

    const served = load([b], () => gatedRead(b.url, party!), 1);
    const tokens = load([b], () => tokenRequest(b.url, party!), 1);
    for (let i = 0; i < 5; i++) {
      const portal = portalClient(a.url);
      await portal.signIn([DEV, ADMIN, REVIEWER][i % 3]!);
      await portal.mutate('notifications.markAllRead');
      await sleep(100);
    }
    // Long enough for anything those changes announced to have reached B.
    await sleep(WITHIN_MS);
    const answers = [...(await served.stop()), ...(await tokens.stop())];
    const after = await scrape(b.metricsUrl);

    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([200]));
    for (const cache of ['clients', 'connections', 'apps', 'proofs']) {
      expect(metric(after, 'gatehouse_cache_misses_total', { cache }), `misses of ${cache} on B`).toBe(
        metric(before, 'gatehouse_cache_misses_total', { cache }),
      );
    }
    // B answered all those calls from memory: its hits grew by at least as many.
    const hits = (text: string) => metric(text, 'gatehouse_cache_hits_total');
    expect(hits(after) - hits(before)).toBeGreaterThanOrEqual(answers.length);
  });
});

/** The most calls sent and answered within any 1000 ms. */
function busiestSecond(answers: Answer[]): number {
  let most = 0;
  for (const first of answers) {
    const within = answers.filter(
      (answer) => answer.sentAt >= first.sentAt && answer.at < first.sentAt + 1000,
    );
    most = Math.max(most, within.length);
  }
  return most;
}
