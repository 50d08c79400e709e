import { AUDIT_EXPORT_LIMIT } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { AuditEvent, Organization } from '../../db/entities';
import { auditTrailCsv, CSV_HEADER, csvCell } from './csv';
import { leadOf, MERGED_WALKS, prefixEnd, valuesStartingWith } from './lead';
import { auditTrailPage } from './trail';

describe('prefixes', () => {
  it('end just after every text that starts with them', () => {
    expect(prefixEnd('dev@')).toBe('devA');
    expect(prefixEnd('connection.')).toBe('connection/');
    expect(prefixEnd('caf\u00e9')).toBe('caf\u00ea');
    expect(prefixEnd('a\u{10ffff}')).toBe('b');
    expect(prefixEnd('\ud7ff')).toBe('\ue000');
    expect(prefixEnd('\u{10ffff}')).toBeNull();
  });
});

describe('CSV cells', () => {
  it('are always quoted, with quotes doubled and spreadsheet formulas shown as text', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
      expect(csvCell(formula)).toBe(`"'${formula}"`);
    expect(csvCell(null)).toBe('""');
    expect(csvCell(new Date('2030-01-02T03:04:05.006Z'))).toBe('"2030-01-02T03:04:05.006Z"');
    expect(csvCell({ n: '=2+3' })).toBe('"{""n"":""=2+3""}"');
  });
});

describe.each(dialects)('audit trail service on %s', (dialect) => {
  let t: TestDatabase;
  let acme: string;
  const TENANT = '424242';
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    acme = (await em.findOneOrFail(Organization, { name: 'Acme Field Apps' })).id;
    // More events than an export holds, a few thousand on one moment, by a crowd of actors; and one rare kind.
    const start = Date.UTC(2032, 0, 1);
    const events = Array.from({ length: AUDIT_EXPORT_LIMIT + 30 }, (_, i) => ({
      id: crypto.randomUUID(),
      at: new Date(start + Math.floor(i / 3000) * 1000),
      actorEmail: `bulk${i % (MERGED_WALKS + 5)}@example.test`,
      action: 'bulk.made',
      organizationId: acme,
      tenantId: TENANT,
    }));
    for (let i = 0; i < events.length; i += 2000) await em.insertMany(AuditEvent, events.slice(i, i + 2000));
    await em.insertMany(AuditEvent, [
      {
        id: crypto.randomUUID(),
        at: new Date(start),
        action: 'bulk.rare',
        organizationId: acme,
        tenantId: TENANT,
      },
    ]);
  });
  afterAll(async () => t?.close());

  it('finds the values that start with a prefix, in order, one step of the index each', async () => {
    const em = t.db.em();
    expect(await valuesStartingWith(em, 'action', 'bulk.', 10)).toEqual(['bulk.made', 'bulk.rare']);
    // Byte order: "bulk10@" comes before "bulk1@".
    const actors = Array.from({ length: MERGED_WALKS + 5 }, (_, i) => `bulk${i}@example.test`);
    expect(await valuesStartingWith(em, 'actor_email', 'bulk1', 200)).toEqual(
      actors
        .filter((a) => a.startsWith('bulk1'))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    expect(await valuesStartingWith(em, 'actor_email', 'bulk', 3)).toHaveLength(3);
    expect(await valuesStartingWith(em, 'actor_email', 'BULK', 3)).toEqual([]);
  });

  it('walks the index that holds the fewest rows, and none when one holds no row', async () => {
    const em = t.db.em();
    const developer = { view: 'developer', organizationId: acme } as const;
    expect(await leadOf(em, developer, { action: 'bulk.rare' })).toEqual({
      column: 'action',
      values: ['bulk.rare'],
    });
    expect(await leadOf(em, developer, { action: 'bulk.' })).toEqual({
      column: 'organization_id',
      values: [acme],
    });
    expect(await leadOf(em, developer, { actor: 'bulk1' })).toMatchObject({ column: 'actor_email' });
    // More actors start with "bulk" than are walked apart: the filter narrows another walk.
    expect(await leadOf(em, developer, { actor: 'bulk' })).toEqual({
      column: 'organization_id',
      values: [acme],
    });
    expect(await leadOf(em, { view: 'reviewer' }, { from: new Date(Date.UTC(2032, 0, 1, 0, 0, 3)) })).toEqual(
      {
        column: null,
        values: [],
      },
    );
    expect(await leadOf(em, developer, { actor: 'nobody' })).toBeNull();
    expect(await leadOf(em, { view: 'tenant', tenantIds: ['999'] }, { action: 'bulk.' })).toBeNull();
  });

  it('exports the newest events, at most the limit, a batch at a time, each once', async () => {
    const chunks: string[] = [];
    for await (const chunk of auditTrailCsv(
      t.db.em(),
      { view: 'tenant', tenantIds: [TENANT] },
      { action: 'bulk.' },
    ))
      chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(5);
    const lines = chunks.join('').split('\r\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(AUDIT_EXPORT_LIMIT);
    const newest = await t.db
      .em()
      .find(
        AuditEvent,
        { tenantId: TENANT },
        { orderBy: { at: 'desc', id: 'desc' }, limit: AUDIT_EXPORT_LIMIT },
      );
    expect(rows.map((row) => row.split(',')[2])).toEqual(newest.map((e) => `"${e.action}"`));
    expect(rows.map((row) => row.split(',')[1])).toEqual(newest.map((e) => `"${e.actorEmail ?? ''}"`));
  });

  it('pages thousands of events on one moment without gaps or repeats', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await auditTrailPage(
        t.db.em(),
        { view: 'reviewer' },
        { actor: 'bulk2' },
        { cursor, limit: 200 },
      );
      for (const event of page.items) seen.add(event.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.size).toBe(await t.db.em().count(AuditEvent, { actorEmail: { $like: 'bulk2%' } }));
  });
});
