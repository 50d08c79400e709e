import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, connectedApp } from '#test/actors';
import { ADMIN, dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { ChangeEvent } from '../db/entities';
import { type Database, openDatabase } from '../db/orm';
import { updateAppDetails } from '../services/apps/apps';
import { setConnectionStatus } from '../services/connections/lifecycle';
import type { FeedEvent } from './feed';
import { recordEvent } from './record';

const TENANT = '985798691';

/** Waits until `found` returns something, polling every 10 ms; how long it took. */
async function until<T>(found: () => T | undefined, timeoutMs = 3000): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = found();
    if (value !== undefined) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(dialects)('the change feed on %s', (dialect) => {
  let t: TestDatabase;
  /** A second instance on the same database, with its own feed. */
  let other: Database;
  let stopOther: () => Promise<void>;
  const seen: FeedEvent[] = [];
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    other = await openDatabase(t.url);
    other.feed.subscribe((events) => seen.push(...events));
    stopOther = await other.feed.start();
  });
  afterAll(async () => {
    await stopOther?.();
    await other?.close();
    await t?.close();
  });

  const connected = (name: string) => connectedApp(t, name);

  it('a change on one instance reaches the other within a second, once, naming what it touched', async () => {
    const { app, connection, clientId } = await connected(`Feed Disable ${dialect}`);
    // This instance's feed is not even running: the event is in the table, whoever reads it.
    await setConnectionStatus(t.db.em(), await actor(t, ADMIN), connection.id, 'disable');
    const { value, ms } = await until(() =>
      seen.find((e) => e.type === 'connection.disabled' && e.connectionId === connection.id),
    );
    expect(ms).toBeLessThan(1000);
    expect(value).toMatchObject({
      appId: app.id,
      tenantId: TENANT,
      environment: 'integration',
      clientId,
    });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(seen.filter((e) => e.seq === value.seq)).toHaveLength(1);
  });

  it('writes one event per change, in the same transaction: a change that fails writes none', async () => {
    const { dev, app } = await connected(`Feed Rename ${dialect}`);
    const count = () => t.db.em().count(ChangeEvent, { appId: app.id });
    const before = await count();
    const details = {
      appId: app.id,
      name: `Feed Renamed ${dialect}`,
      homePageUrl: 'https://acme.example',
      kind: 'private' as const,
      credentialsMode: 'tenant_admin' as const,
    };
    await updateAppDetails(t.db.em(), dev, details);
    expect(await count()).toBe(before + 1);
    await expect(
      t.db.em().transactional(async (tx) => {
        recordEvent(tx, { type: 'app.details_changed', appId: app.id });
        await tx.flush();
        throw new Error('the change failed after its event was written');
      }),
    ).rejects.toThrow('the change failed');
    expect(await count()).toBe(before + 1);
  });

  it('a listener that throws keeps neither the others nor the next events from being delivered', async () => {
    const { connection } = await connected(`Feed Throw ${dialect}`);
    const unsubscribe = other.feed.subscribe(() => {
      throw new Error('a broken listener');
    });
    // Subscribed after the broken one: it still hears of every change.
    const heard: FeedEvent[] = [];
    const unsubscribeHeard = other.feed.subscribe((events) => heard.push(...events));
    try {
      await setConnectionStatus(t.db.em(), await actor(t, ADMIN), connection.id, 'disable');
      await until(() =>
        heard.find((e) => e.type === 'connection.disabled' && e.connectionId === connection.id),
      );
      await setConnectionStatus(t.db.em(), await actor(t, ADMIN), connection.id, 'restore');
      await until(() =>
        heard.find((e) => e.type === 'connection.restored' && e.connectionId === connection.id),
      );
    } finally {
      unsubscribe();
      unsubscribeHeard();
    }
  });

  it.runIf(dialect === 'postgresql')(
    'a change that waits long on a lock before it commits is still delivered, within a second of its commit',
    async () => {
      const { connection } = await connected(`Feed Late ${dialect}`);
      const slow = t.db.em();
      await slow.begin();
      try {
        recordEvent(slow, { type: 'connection.disabled', connectionId: connection.id, data: { late: true } });
        await slow.flush();
        // Longer than any wait a feed might give a gap up after; changes keep committing meanwhile.
        for (let i = 0; i < 7; i++) {
          const quick = t.db.em();
          recordEvent(quick, { type: 'app.details_changed', data: { meanwhile: i } });
          await quick.flush();
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        await slow.commit();
      } catch (error) {
        await slow.rollback();
        throw error;
      }
      const { ms } = await until(() => seen.find((e) => e.connectionId === connection.id && e.data?.late));
      expect(ms).toBeLessThan(1000);
    },
    20_000,
  );

  it.runIf(dialect === 'postgresql')(
    'an event that commits after a later-numbered one is still delivered',
    async () => {
      const { connection } = await connected(`Feed Gap ${dialect}`);
      const slow = t.db.em();
      await slow.begin();
      try {
        // The slow transaction takes its number first, then the quick one commits a higher number.
        recordEvent(slow, { type: 'connection.restored', connectionId: connection.id, data: { slow: true } });
        await slow.flush();
        const quick = t.db.em();
        recordEvent(quick, {
          type: 'connection.disabled',
          connectionId: connection.id,
          data: { quick: true },
        });
        await quick.flush();
        await until(() => seen.find((e) => e.connectionId === connection.id && e.data?.quick));
        await slow.commit();
      } catch (error) {
        await slow.rollback();
        throw error;
      }
      const { ms } = await until(() => seen.find((e) => e.connectionId === connection.id && e.data?.slow));
      expect(ms).toBeLessThan(1000);
    },
  );
});
