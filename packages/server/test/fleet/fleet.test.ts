import type { Environment } from '@gatehouse/domain';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DEV, REVIEWER } from '../harness';
import { portalClient } from '../http-client';
import {
  ABOUT_60,
  busiestSecond,
  gatedRead,
  gatedWrite,
  hammer,
  load,
  metric,
  revokeToken,
  scrape,
  sleep,
  steadyRate,
  tokenRequest,
  untilRefused,
  WITHIN_MS,
} from './calls';
import { type Fleet, missingServices, type Party, startFleet, T1, T2 } from './fleet';

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
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') console.error(fleet.logs());
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

    const run = await hammer([a, b], (url) => gatedRead(url, party!), 3000);
    const { answers } = run;

    const statuses = (instance: string) =>
      answers.filter((answer) => answer.instance === instance).map((answer) => answer.status);
    for (const instance of ['A', 'B']) {
      // Each instance both let calls through and refused the rest: the budget is one, spent on both.
      expect(new Set(statuses(instance)), `statuses on ${instance}`).toEqual(new Set([200, 429]));
    }
    // Well beyond the limit, or the test would prove nothing.
    expect(answers.length).toBeGreaterThan(2 * 3 * 60);
    const allowed = answers.filter((answer) => answer.status === 200);
    // One sliding log in Redis for both: a limit of each instance's own would let about 120 through.
    expect(busiestSecond(allowed)).toBeLessThanOrEqual(60);
    // And the budget is spent, not refused wholesale.
    expect(steadyRate(run, allowed)).toBeGreaterThanOrEqual(ABOUT_60.atLeast);
    expect(steadyRate(run, allowed)).toBeLessThanOrEqual(ABOUT_60.atMost);
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

    // Well within the rate limit: 20 calls a second each.
    const served = load([b], () => gatedRead(b.url, party!), { concurrency: 1, everyMs: 50 });
    const tokens = load([b], () => tokenRequest(b.url, party!), { concurrency: 1, everyMs: 50 });
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

  // Last: A does not come back.
  it('loses no change A acknowledged when A is killed mid-load, and B keeps answering', async () => {
    const { a, b } = fleet;
    // Three apps, each connected in both tenants and both environments: twelve connections.
    const parties: Party[] = [];
    for (let i = 0; i < 3; i++)
      parties.push(
        ...(await fleet.connect(
          ['tn.crm.customers:r'],
          [
            { tenant: T1, env: 'integration' },
            { tenant: T2, env: 'integration' },
            { tenant: T1, env: 'production' },
            { tenant: T2, env: 'production' },
          ],
        )),
      );
    for (const party of parties) expect(await gatedRead(b.url, party)).toBe(200);

    // Both instances serve every party in turn while A disables connections one after another.
    const running = load([a, b], (url, index) => gatedRead(url, parties[index % parties.length]!), {
      concurrency: 3,
      everyMs: 20,
    });
    await sleep(300);
    const disable = async (party: Party) => {
      const admin = fleet.admins[party.tenant]!;
      await admin.mutate('connections.disable', { connectionId: party.connectionId });
      return Date.now();
    };
    const acknowledged = new Map<Party, number>();
    for (const party of parties.slice(0, 4)) acknowledged.set(party, await disable(party));
    // Four more at once, and A dies while they are under way: some may be answered, some not.
    const underWay = parties.slice(4, 8).map((party) =>
      disable(party).then(
        (at) => acknowledged.set(party, at),
        () => undefined,
      ),
    );
    await sleep(15);
    const killedAt = Date.now();
    await a.kill();
    await Promise.all(underWay);
    await sleep(WITHIN_MS);
    const answers = (await running.stop()).filter((answer) => answer.instance === 'B');

    // B never failed a call: it answered every one, either served or refused.
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 401)).toEqual([]);
    expect(answers.filter((answer) => answer.at > killedAt).length).toBeGreaterThan(parties.length);
    for (const [index, party] of parties.entries()) {
      const mine = answers.filter((answer) => answer.index % parties.length === index);
      const at = acknowledged.get(party);
      if (at === undefined) {
        // Not acknowledged: B refuses it only if the change committed before A died (checked below).
        continue;
      }
      // Within a second of A's answer, and from then on, B refuses the connection A disabled.
      expect(
        mine.filter((answer) => answer.sentAt > at + WITHIN_MS && answer.status !== 401),
        `party ${index}, acknowledged ${at - killedAt} ms from the kill`,
      ).toEqual([]);
    }

    // What B serves is what the database holds: a change A committed but never answered is in effect too,
    // and the connections nobody touched are still served.
    const client = new pg.Client({ connectionString: fleet.databaseUrl });
    await client.connect();
    const { rows } = await client
      .query<{ id: string; status: string }>('select id, status from connection where id = any($1)', [
        parties.map((party) => party.connectionId),
      ])
      .finally(() => client.end());
    const status = new Map(rows.map((row) => [row.id, row.status]));
    for (const [index, party] of parties.entries()) {
      const disabled = status.get(party.connectionId) === 'disabled';
      if (acknowledged.has(party)) expect(disabled, `party ${index} disabled in the database`).toBe(true);
      if (index >= 8) expect(disabled, `party ${index} untouched`).toBe(false);
      expect(await gatedRead(b.url, party), `party ${index} on B`).toBe(disabled ? 401 : 200);
    }
  });
});
