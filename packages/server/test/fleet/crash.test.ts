import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedRead, load, sleep } from './calls';
import { type Fleet, missingServices, type Party, startFleet, T1, T2 } from './fleet';

/** As in fleet.test.ts: one second, plus the probing step and a loaded machine's scheduling. */
const WITHIN_MS = 1000 + 50 + 150;

describe.skipIf(missingServices)('instance A killed in the middle of a load', () => {
  let fleet: Fleet;
  let parties: Party[];

  beforeAll(async () => {
    fleet = await startFleet();
    // Three apps, each connected in both tenants and both environments: twelve connections.
    parties = [];
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
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('loses no change A acknowledged, and B keeps answering', async () => {
    const { a, b } = fleet;
    for (const party of parties) expect(await gatedRead(b.url, party)).toBe(200);

    // Both instances serve every party in turn while A disables connections one after another.
    const running = load([a, b], (url, index) => gatedRead(url, parties[index % parties.length]!), 3);
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
        mine.filter((answer) => answer.at > at + WITHIN_MS && answer.status !== 401),
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
