import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES,
  describeScope,
  isKnownScope,
  normalizeScopes,
  resourceByPath,
  resourcePath,
  SCOPE_CATALOG,
  scopeInfo,
  scopeString,
} from './catalog';

describe('scope catalog', () => {
  it('has the sixteen API areas the SPEC names, in that order', () => {
    expect(SCOPE_CATALOG.map((area) => area.name)).toEqual([
      'Accounting',
      'CRM',
      'Dispatch',
      'Equipment Systems',
      'Inventory',
      'Job Planning',
      'Marketing',
      'Memberships',
      'Payroll',
      'Pricebook',
      'SalesTech',
      'Scheduling Pro',
      'Service Agreements',
      'Settings',
      'Task Management',
      'Telecom',
    ]);
  });

  it('lists the resources the SPEC names for Accounting, CRM and Settings', () => {
    const names = (area: string) =>
      SCOPE_CATALOG.find((a) => a.name === area)?.resources.map((r) => r.name) ?? [];
    expect(names('Accounting')).toEqual(
      expect.arrayContaining(['Invoices', 'Payments', 'Payment Terms', 'Bills', 'Tax Zones']),
    );
    expect(names('CRM')).toEqual(expect.arrayContaining(['Leads', 'Customers', 'Locations', 'Bookings']));
    expect(names('Settings')).toEqual(
      expect.arrayContaining(['Employees', 'Technicians', 'Business Units', 'Tag Types', 'User Roles']),
    );
  });

  it('gives every resource a view and a modify scope of the form tn.<area>.<resource>:r|w, all unique', () => {
    const resources = SCOPE_CATALOG.reduce((n, area) => n + area.resources.length, 0);
    expect(ALL_SCOPES).toHaveLength(resources * 2);
    expect(new Set(ALL_SCOPES).size).toBe(ALL_SCOPES.length);
    for (const scope of ALL_SCOPES) expect(scope).toMatch(/^tn\.[a-z]+\.[a-z0-9]+:[rw]$/);
    expect(ALL_SCOPES).toContain('tn.acc.invoices:r');
    expect(ALL_SCOPES).toContain('tn.acc.invoices:w');
    expect(ALL_SCOPES).toContain('tn.acc.paymentterms:r');
    expect(ALL_SCOPES).toContain('tn.telecom.optinouts:w');
  });

  it('keeps area keys and paths unique, and resource keys and paths unique within an area', () => {
    expect(new Set(SCOPE_CATALOG.map((a) => a.key)).size).toBe(SCOPE_CATALOG.length);
    expect(new Set(SCOPE_CATALOG.map((a) => a.path)).size).toBe(SCOPE_CATALOG.length);
    for (const area of SCOPE_CATALOG) {
      expect(new Set(area.resources.map((r) => r.key)).size).toBe(area.resources.length);
      expect(new Set(area.resources.map((r) => r.path)).size).toBe(area.resources.length);
      for (const resource of area.resources) expect(resource.path).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('recognises catalog scopes only', () => {
    expect(isKnownScope('tn.crm.customers:r')).toBe(true);
    for (const bad of [
      '',
      'tn.crm.customers',
      'tn.crm.customers:x',
      'tn.crm.customers:R',
      'TN.crm.customers:r',
      'tn.crm.nothing:r',
      'tn.nope.customers:r',
      ' tn.crm.customers:r',
      'tn.crm.customers:r ',
      'tn.crm.customers:rw',
    ]) {
      expect(isKnownScope(bad), bad).toBe(false);
    }
    // Object prototype keys are not scopes.
    expect(isKnownScope('constructor')).toBe(false);
    expect(isKnownScope('__proto__')).toBe(false);
  });

  it('describes scopes in the product words', () => {
    expect(describeScope('tn.acc.invoices:r')).toBe('Accounting · Invoices · View');
    expect(describeScope('tn.crm.customers:w')).toBe('CRM · Customers · Modify');
    expect(describeScope('tn.unknown.thing:r')).toBe('tn.unknown.thing:r');
    expect(scopeInfo('tn.acc.paymentterms:w')).toMatchObject({
      access: 'w',
      area: { name: 'Accounting' },
      resource: { name: 'Payment Terms', path: 'payment-terms' },
    });
    expect(scopeInfo('tn.acc.nothing:w')).toBeUndefined();
    expect(scopeString('crm', 'leads', 'r')).toBe('tn.crm.leads:r');
  });

  it('normalizes to unique scopes in catalog order, whatever the input order', () => {
    const shuffled = [
      'tn.telecom.calls:r',
      'tn.acc.invoices:w',
      'tn.acc.invoices:r',
      'tn.crm.leads:r',
      'tn.acc.invoices:r',
    ];
    expect(normalizeScopes(shuffled)).toEqual([
      'tn.acc.invoices:r',
      'tn.acc.invoices:w',
      'tn.crm.leads:r',
      'tn.telecom.calls:r',
    ]);
    expect(normalizeScopes([...shuffled].reverse())).toEqual(normalizeScopes(shuffled));
    expect(normalizeScopes([...ALL_SCOPES].reverse())).toEqual(ALL_SCOPES);
    expect(normalizeScopes([])).toEqual([]);
  });

  it('finds a resource by its resource-API path', () => {
    expect(resourceByPath('accounting', 'payment-terms')).toMatchObject({
      area: { key: 'acc' },
      resource: { key: 'paymentterms' },
    });
    expect(resourceByPath('crm', 'customers')?.resource.key).toBe('customers');
    expect(resourceByPath('accounting', 'customers')).toBeUndefined();
    expect(resourceByPath('nope', 'invoices')).toBeUndefined();
  });

  it('writes a resource path that resourceByPath reads back', () => {
    const path = resourcePath('crm', '985798691', 'customers');
    expect(path).toBe('crm/v2/tenant/985798691/customers');
    const [area, , , tenant, resource] = path.split('/');
    expect(tenant).toBe('985798691');
    expect(resourceByPath(area!, resource!)?.resource.key).toBe('customers');
  });
});
