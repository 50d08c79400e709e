import type { ChangeEventType } from '@gatehouse/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { audit } from '../../audit';
import { Organization } from '../../db/entities';
import { auditTrailCsv, auditTrailPage, type TrailReader } from './trail';

const GLENDALE = '985798691';
const SUMMIT = '100200300';

describe.each(dialects)('audit trail service on %s', (dialect) => {
  let t: TestDatabase;
  let acme: string;
  let other: string;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
    const em = t.db.em();
    const idOf = async (name: string) => (await em.findOneOrFail(Organization, { name })).id;
    acme = await idOf('Acme Field Apps');
    other = await idOf('Other Dev Co');
    const by = { id: crypto.randomUUID(), email: `auditor-${dialect}@example.com` };
    // Kinds no real change has, so that only these rows match the filter below.
    audit(em, by, {
      action: 'probe.acme_glendale' as ChangeEventType,
      organizationId: acme,
      tenantId: GLENDALE,
      after: { n: 1 },
    });
    audit(em, by, {
      action: 'probe.other_summit' as ChangeEventType,
      organizationId: other,
      tenantId: SUMMIT,
      after: { n: '=2+3' },
    });
    await em.flush();
  });
  afterAll(async () => t?.close());

  const actions = async (reader: TrailReader, filters = {}) =>
    (
      await auditTrailPage(t.db.em(), reader, { action: 'probe.', ...filters }, { page: 1, pageSize: 50 })
    ).items.map((e) => e.action);

  it('gives each reader only their part, narrowed by the filters', async () => {
    expect(await actions({ view: 'reviewer' })).toHaveLength(2);
    expect(await actions({ view: 'reviewer' }, { organizationId: other })).toEqual(['probe.other_summit']);
    expect(await actions({ view: 'developer', organizationId: acme })).toEqual(['probe.acme_glendale']);
    // A developer's reader keeps them in their organization, whatever organization the filters name.
    expect(await actions({ view: 'developer', organizationId: acme }, { organizationId: other })).toEqual([
      'probe.acme_glendale',
    ]);
    expect(await actions({ view: 'tenant', tenantIds: [SUMMIT] })).toEqual(['probe.other_summit']);
    expect(await actions({ view: 'tenant', tenantIds: [SUMMIT] }, { tenantId: GLENDALE })).toEqual([
      'probe.other_summit',
    ]);
  });

  it('exports the same part as CSV, named, with spreadsheet formulas neutralised', async () => {
    const { csv, rows, filename } = await auditTrailCsv(
      t.db.em(),
      { view: 'tenant', tenantIds: [SUMMIT] },
      {
        action: 'probe.',
      },
    );
    expect(filename).toMatch(/^gatehouse-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(rows).toBe(1);
    const [header, line] = csv.split('\r\n');
    expect(header).toBe('at,actor,action,organization,app,app_id,tenant,before,after');
    expect(line).toContain('"Other Dev Co"');
    expect(line).toContain(`"${SUMMIT}"`);
    expect(line).toContain('"{""n"":""=2+3""}"');
  });
});
