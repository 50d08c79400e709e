import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from './app';
import { auditFiltersSchema, auditTrailQuerySchema } from './audit';

const refusal = (input: unknown) => {
  const result = auditTrailQuerySchema.safeParse(input);
  return result.success ? null : fieldErrorsOf(result.error);
};

describe('audit trail filters', () => {
  it('match an actor and an action by their start in lower case, and ignore empty ones', () => {
    expect(auditFiltersSchema.parse({ actor: '  Dana@Example.COM ', action: 'Connection.' })).toEqual({
      actor: 'dana@example.com',
      action: 'connection.',
    });
    expect(auditFiltersSchema.parse({ actor: ' ', action: '', appId: '  ', organizationId: '' })).toEqual({});
  });

  it('take moments as dates or as ISO 8601 text, a day or a day and time with its offset', () => {
    const day = new Date('2026-12-31T00:00:00.000Z');
    expect(auditFiltersSchema.parse({ from: day }).from).toEqual(day);
    expect(auditFiltersSchema.parse({ from: '2026-12-31' }).from).toEqual(day);
    expect(auditFiltersSchema.parse({ to: '2026-12-31T23:59:59.999Z' }).to).toEqual(
      new Date('2026-12-31T23:59:59.999Z'),
    );
    expect(auditFiltersSchema.parse({ to: '2026-12-31T01:00+01:00' }).to).toEqual(day);
  });

  it('read a day alone as a whole day: its first moment as a start, its last as an end', () => {
    expect(auditFiltersSchema.parse({ from: '2026-12-31', to: '2026-12-31' })).toEqual({
      from: new Date('2026-12-31T00:00:00.000Z'),
      to: new Date('2026-12-31T23:59:59.999Z'),
    });
  });

  it('refuse what is not a day of the calendar', () => {
    for (const from of [
      'yesterday',
      '2026-02-30',
      '2026-13-01',
      '2026-12-31T25:00Z',
      '1767139200000',
      '31/12/2026',
    ])
      expect(refusal({ view: 'reviewer', from }), from).toEqual({ from: 'Enter a date like 2026-12-31' });
    expect(refusal({ view: 'reviewer', to: new Date('not a date') })).toEqual({
      to: 'Enter a date like 2026-12-31',
    });
    // Valid dates the databases cannot hold are refused as input, never sent to a query.
    for (const to of [new Date(-8.64e15), new Date(8.64e15), new Date('1969-12-31T23:59:59Z'), '0001-01-01'])
      expect(refusal({ view: 'reviewer', to }), String(to)).toEqual({ to: 'Enter a date like 2026-12-31' });
  });

  it('name a view, and refuse Tenant IDs, ids and prefixes that cannot be ones', () => {
    expect(refusal({})).toEqual({ view: 'Choose the reviewer, developer or tenant view' });
    expect(refusal({ view: 'everyone' })).toEqual({ view: 'Choose the reviewer, developer or tenant view' });
    expect(refusal({ view: 'tenant', tenantId: 'glendale' })).toHaveProperty('tenantId');
    expect(refusal({ view: 'tenant', appId: 'x'.repeat(101) })).toEqual({ appId: 'At most 100 characters' });
    expect(refusal({ view: 'tenant', actor: 'a'.repeat(255) })).toEqual({ actor: 'At most 254 characters' });
    expect(refusal({ view: 'tenant', action: 'app.\u0000' })).toHaveProperty('action');
    expect(refusal({ view: 'developer', tenantId: ' 985798691 ' })).toBeNull();
  });
});
