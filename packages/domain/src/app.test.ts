import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  fieldErrorsOf,
  homePageUrlSchema,
  initialReviewStatus,
  isTenantId,
  LIMITS,
  newAppSchema,
  scopesSchema,
  tenantIdSchema,
  tenantIdsSchema,
} from './app';
import { DomainError, invalidField, notFound } from './errors';

const valid = {
  name: 'Dispatch Sync',
  homePageUrl: 'https://acme.example',
  tenantIds: ['985798691'],
  kind: 'private',
  credentialsMode: 'tenant_admin',
  scopes: ['tn.crm.customers:r'],
};

/** The field errors a form would show for `input`, or null when it is accepted. */
function errorsFor(input: Record<string, unknown>): Record<string, string> | null {
  const result = newAppSchema.safeParse(input);
  return result.success ? null : fieldErrorsOf(result.error);
}

describe('newAppSchema', () => {
  it('accepts a valid app, trimming text and normalizing scopes', () => {
    const parsed = newAppSchema.parse({
      ...valid,
      name: '  Dispatch Sync  ',
      tenantIds: [' 985798691 ', '100200300'],
      scopes: ['tn.crm.customers:w', 'tn.acc.invoices:r', 'tn.crm.customers:w'],
    });
    expect(parsed.name).toBe('Dispatch Sync');
    expect(parsed.tenantIds).toEqual(['985798691', '100200300']);
    expect(parsed.scopes).toEqual(['tn.acc.invoices:r', 'tn.crm.customers:w']);
  });

  it('accepts no Tenant IDs at all (they can be added later)', () => {
    expect(errorsFor({ ...valid, tenantIds: [] })).toBeNull();
  });

  it.each([
    ['empty name', { name: '' }, 'name'],
    ['whitespace name', { name: '   \t ' }, 'name'],
    ['missing name', { name: undefined }, 'name'],
    ['name over the limit', { name: 'x'.repeat(LIMITS.appName + 1) }, 'name'],
    ['javascript: URL', { homePageUrl: 'javascript:alert(1)' }, 'homePageUrl'],
    ['ftp: URL', { homePageUrl: 'ftp://acme.example/file' }, 'homePageUrl'],
    ['data: URL', { homePageUrl: 'data:text/html,<b>hi</b>' }, 'homePageUrl'],
    ['URL without scheme', { homePageUrl: 'acme.example' }, 'homePageUrl'],
    ['not a URL', { homePageUrl: 'http://' }, 'homePageUrl'],
    [
      'URL over the limit',
      { homePageUrl: `https://acme.example/${'a'.repeat(LIMITS.homePageUrl)}` },
      'homePageUrl',
    ],
    ['non-numeric tenant id', { tenantIds: ['98579869x'] }, 'tenantIds'],
    ['negative tenant id', { tenantIds: ['-5'] }, 'tenantIds'],
    ['tenant id with leading zero', { tenantIds: ['0985798691'] }, 'tenantIds'],
    ['tenant id too long', { tenantIds: ['1'.repeat(LIMITS.tenantIdDigits + 1)] }, 'tenantIds'],
    ['duplicate tenant id', { tenantIds: ['985798691', '100200300', '985798691'] }, 'tenantIds'],
    ['duplicate tenant id after trimming', { tenantIds: ['985798691', ' 985798691'] }, 'tenantIds'],
    ['unknown scope', { scopes: ['tn.crm.customers:r', 'tn.crm.secrets:r'] }, 'scopes'],
    ['no scopes', { scopes: [] }, 'scopes'],
    ['unknown kind', { kind: 'internal' }, 'kind'],
    ['unknown credentials mode', { credentialsMode: 'nobody' }, 'credentialsMode'],
  ])('refuses %s with an error on that field', (_label, change, field) => {
    const errors = errorsFor({ ...valid, ...change });
    expect(errors).not.toBeNull();
    expect(errors?.[field]).toEqual(expect.any(String));
    // Only the broken field is reported.
    expect(Object.keys(errors ?? {}).every((key) => key === field || key.startsWith(`${field}.`))).toBe(true);
  });

  it('accepts text exactly at the limits', () => {
    expect(errorsFor({ ...valid, name: 'x'.repeat(LIMITS.appName) })).toBeNull();
  });

  it("takes no organization name: the developer's verified organization is the app's", () => {
    expect(newAppSchema.parse({ ...valid, organizationName: 'Other Dev Co' })).not.toHaveProperty(
      'organizationName',
    );
  });

  it('points a duplicate Tenant ID at its position and names it', () => {
    const errors = errorsFor({ ...valid, tenantIds: ['985798691', '100200300', '985798691'] });
    expect(errors?.['tenantIds.2']).toBe('Tenant ID 985798691 is listed twice');
    expect(errors?.tenantIds).toBe('Tenant ID 985798691 is listed twice');
  });

  it('names the unknown scope', () => {
    expect(errorsFor({ ...valid, scopes: ['tn.crm.secrets:r'] })?.scopes).toContain('tn.crm.secrets:r');
  });
});

describe('field rules', () => {
  it('accepts http and https home pages only', () => {
    expect(homePageUrlSchema.safeParse('http://acme.example').success).toBe(true);
    expect(homePageUrlSchema.safeParse('https://acme.example/path?q=1').success).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'ftp://acme.example',
      'file:///etc/passwd',
      'mailto:a@b.c',
      '',
      '   ',
    ]) {
      expect(homePageUrlSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('accepts numeric Tenant IDs only', () => {
    expect(tenantIdSchema.parse(' 985798691 ')).toBe('985798691');
    for (const bad of ['', '0', '1.5', '1e9', '98579869 1', '٩٨٥'])
      expect(tenantIdSchema.safeParse(bad).success, bad).toBe(false);
    expect(tenantIdsSchema.safeParse(['1', '2', '3']).success).toBe(true);
  });

  it('requires at least one scope and deduplicates', () => {
    expect(scopesSchema.parse(['tn.crm.leads:r', 'tn.crm.leads:r'])).toEqual(['tn.crm.leads:r']);
    expect(scopesSchema.safeParse([]).success).toBe(false);
  });

  it('sends public apps to review and lets private apps through', () => {
    expect(initialReviewStatus('public')).toBe('pending');
    expect(initialReviewStatus('private')).toBe('not_required');
  });
});

describe('fieldErrorsOf', () => {
  it('keeps the first message per field and rolls nested paths up', () => {
    const schema = z.object({
      a: z.string().min(3, 'too short').max(1, 'too long'),
      list: z.array(z.number()),
    });
    const result = schema.safeParse({ a: 'xy', list: [1, 'two', 'three'] });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(fieldErrorsOf(result.error)).toEqual({
      a: 'too short',
      'list.1': expect.any(String),
      'list.2': expect.any(String),
      list: expect.any(String),
    });
  });

  it('puts errors without a path under "form"', () => {
    const result = z.string().safeParse(5);
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(fieldErrorsOf(result.error))).toEqual(['form']);
  });
});

describe('domain errors', () => {
  it('say the same thing for every record the caller may not see', () => {
    expect(notFound('App')).toMatchObject({ code: 'NOT_FOUND', message: 'App not found' });
    expect(notFound('App')).toBeInstanceOf(DomainError);
  });

  it('carry the field a message belongs to', () => {
    expect(invalidField('tenantId', 'Nope')).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Nope',
      fieldErrors: { tenantId: 'Nope' },
    });
  });
});

describe('isTenantId', () => {
  it('takes a positive whole number of at most 18 digits without a leading zero', () => {
    expect(['985798691', '1', '9'.repeat(18)].map(isTenantId)).toEqual([true, true, true]);
    expect(['0', '0985798691', '9'.repeat(19), '98579869a', ' 985798691', '-1', ''].map(isTenantId)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
