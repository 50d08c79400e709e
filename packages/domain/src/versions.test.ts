import { describe, expect, it } from 'vitest';
import { decideScopeSave, diffScopes, versionHistory } from './versions';

describe('diffScopes', () => {
  it('reports what was added and removed, in catalog order', () => {
    expect(
      diffScopes(
        ['tn.crm.customers:r', 'tn.acc.invoices:r'],
        ['tn.telecom.calls:r', 'tn.crm.customers:r', 'tn.acc.bills:w'],
      ),
    ).toEqual({
      added: ['tn.acc.bills:w', 'tn.telecom.calls:r'],
      removed: ['tn.acc.invoices:r'],
    });
  });

  it('treats the first version as adding everything', () => {
    expect(diffScopes([], ['tn.crm.leads:r', 'tn.acc.invoices:r'])).toEqual({
      added: ['tn.acc.invoices:r', 'tn.crm.leads:r'],
      removed: [],
    });
  });

  it('finds no difference when only order or duplicates differ', () => {
    expect(
      diffScopes(
        ['tn.crm.leads:r', 'tn.acc.invoices:r'],
        ['tn.acc.invoices:r', 'tn.crm.leads:r', 'tn.crm.leads:r'],
      ),
    ).toEqual({ added: [], removed: [] });
  });
});

describe('decideScopeSave', () => {
  const latest = { number: 3, scopes: ['tn.acc.invoices:r', 'tn.crm.customers:r'] };

  it('makes no version when nothing changes, even in another order or with repeats', () => {
    expect(decideScopeSave(latest, ['tn.crm.customers:r', 'tn.acc.invoices:r'])).toEqual({
      kind: 'unchanged',
    });
    expect(
      decideScopeSave(latest, ['tn.crm.customers:r', 'tn.acc.invoices:r', 'tn.crm.customers:r']),
    ).toEqual({ kind: 'unchanged' });
  });

  it('makes the next version, contiguous, with normalized scopes and the diff', () => {
    expect(
      decideScopeSave(latest, ['tn.crm.customers:w', 'tn.crm.customers:r', 'tn.crm.customers:w']),
    ).toEqual({
      kind: 'new-version',
      number: 4,
      scopes: ['tn.crm.customers:r', 'tn.crm.customers:w'],
      diff: { added: ['tn.crm.customers:w'], removed: ['tn.acc.invoices:r'] },
    });
  });

  it('counts a change of access on the same resource as a change', () => {
    const decision = decideScopeSave({ number: 1, scopes: ['tn.acc.invoices:r'] }, ['tn.acc.invoices:w']);
    expect(decision).toMatchObject({
      kind: 'new-version',
      number: 2,
      diff: { added: ['tn.acc.invoices:w'], removed: ['tn.acc.invoices:r'] },
    });
  });
});

describe('versionHistory', () => {
  it('lists versions newest first, each with its change against the one before', () => {
    const history = versionHistory([
      { number: 1, scopes: ['tn.crm.leads:r'] },
      { number: 2, scopes: ['tn.crm.leads:r', 'tn.acc.invoices:r'] },
      { number: 3, scopes: ['tn.acc.invoices:r'] },
    ]);
    expect(history.map((v) => [v.number, v.added, v.removed])).toEqual([
      [3, [], ['tn.crm.leads:r']],
      [2, ['tn.acc.invoices:r'], []],
      [1, ['tn.crm.leads:r'], []],
    ]);
  });
});
