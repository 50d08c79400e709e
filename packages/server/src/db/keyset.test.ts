import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent } from './entities';
import { decodeCursor, encodeCursor, type KeysetOrder, keysetPage } from './keyset';

const order: KeysetOrder = [
  ['at', 'desc'],
  ['id', 'desc'],
];

describe.each(dialects)('keyset paging on %s', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    // 25 events on 5 moments: ties on the leading column must neither repeat nor skip a row.
    for (let i = 0; i < 25; i++)
      em.create(AuditEvent, {
        id: crypto.randomUUID(),
        at: new Date(Date.UTC(2030, 0, 1, 0, 0, Math.floor(i / 5))),
        action: 'keyset.test',
        actorEmail: `k${i}@example.test`,
      });
    await em.flush();
  });
  afterAll(async () => t?.close());

  it('walks every row once, in order, a page at a time', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await keysetPage(t.db.em(), AuditEvent, { action: 'keyset.test' }, order, {
        cursor,
        limit: 4,
      });
      seen.push(...page.items.map((e) => e.actorEmail ?? ''));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    const all = await t.db
      .em()
      .find(AuditEvent, { action: 'keyset.test' }, { orderBy: { at: 'desc', id: 'desc' } });
    expect(seen).toEqual(all.map((e) => e.actorEmail));
    expect(new Set(seen).size).toBe(25);
    expect(pages).toBe(7);
  });

  it('answers the last page with no next cursor', async () => {
    const page = await keysetPage(t.db.em(), AuditEvent, { action: 'keyset.test' }, order, { limit: 25 });
    expect(page.items).toHaveLength(25);
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not make', async () => {
    for (const bad of [
      'not-base64!',
      encodeCursor(['only one']),
      Buffer.from('{"a":1}').toString('base64url'),
    ])
      await expect(
        keysetPage(t.db.em(), AuditEvent, {}, order, { cursor: bad, limit: 5 }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('cursors', () => {
  it('round-trip text, numbers and moments', () => {
    const at = new Date('2030-01-01T00:00:00.123Z');
    expect(decodeCursor(encodeCursor([at, 'x', 3]), 3)).toEqual([at, 'x', 3]);
  });
});
