import { describe, expect, it } from 'vitest';
import { appNameSchema, fieldErrorsOf, homePageUrlSchema } from './app';
import { accessRequestSchema, reviewReasonSchema } from './review';
import { CONTROL_CHARACTERS_MESSAGE, controlCharacterErrors, isCleanText, isOneLineText } from './text';

describe('control characters in text', () => {
  it('are refused in any field, except TAB, LF and CR where text may span lines', () => {
    for (const refused of [
      '\u0000',
      '\u0001',
      '\u0008',
      '\u000b',
      '\u000c',
      '\u001b',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u009f',
    ]) {
      expect(isCleanText(`a${refused}b`), JSON.stringify(refused)).toBe(false);
      expect(isOneLineText(`a${refused}b`), JSON.stringify(refused)).toBe(false);
    }
    for (const lineBreak of ['\t', '\n', '\r']) {
      expect(isCleanText(`a${lineBreak}b`)).toBe(true);
      expect(isOneLineText(`a${lineBreak}b`)).toBe(false);
    }
    expect(isOneLineText('Zürich Ölwerke — 東京 😀')).toBe(true);
  });

  it('give single-line fields a field message, after trimming', () => {
    expect(appNameSchema.safeParse('Dispatch\u0000Sync').error?.issues[0]?.message).toBe(
      CONTROL_CHARACTERS_MESSAGE,
    );
    expect(appNameSchema.safeParse('Dispatch\nSync').error?.issues[0]?.message).toBe(
      CONTROL_CHARACTERS_MESSAGE,
    );
    expect(appNameSchema.parse('  Dispatch Sync\n')).toBe('Dispatch Sync');
    expect(homePageUrlSchema.safeParse('https://acme.example/\u0000').error?.issues[0]?.message).toBe(
      CONTROL_CHARACTERS_MESSAGE,
    );
  });

  it('let a review reason span lines but hold no other control character', () => {
    expect(reviewReasonSchema.parse('Missing scopes:\n\t- invoices')).toBe('Missing scopes:\n\t- invoices');
    expect(reviewReasonSchema.safeParse('Bad\u0000reason').error?.issues[0]?.message).toBe(
      CONTROL_CHARACTERS_MESSAGE,
    );
  });

  it('mark the access request field that holds one', () => {
    const result = accessRequestSchema.safeParse({
      name: 'Ann\u0000',
      email: 'ann@acme.example',
      organizationName: 'Acme\u0007',
      role: 'developer',
    });
    expect(result.success).toBe(false);
    expect(fieldErrorsOf(result.error!)).toEqual({
      name: CONTROL_CHARACTERS_MESSAGE,
      organizationName: CONTROL_CHARACTERS_MESSAGE,
    });
  });
});

describe('controlCharacterErrors', () => {
  it('names every string that holds a control character by its path, rolled up to the top field', () => {
    expect(
      controlCharacterErrors({
        name: 'ok',
        tenantIds: ['1', '2\u0000'],
        nested: { deep: [{ note: 'x\u007f' }] },
        count: 3,
        at: new Date(),
      }),
    ).toEqual({
      'tenantIds.1': CONTROL_CHARACTERS_MESSAGE,
      tenantIds: CONTROL_CHARACTERS_MESSAGE,
      'nested.deep.0.note': CONTROL_CHARACTERS_MESSAGE,
      nested: CONTROL_CHARACTERS_MESSAGE,
    });
    expect(controlCharacterErrors('\u0000')).toEqual({ form: CONTROL_CHARACTERS_MESSAGE });
    expect(controlCharacterErrors({ 'na\u0000me': 'x' })).toEqual({ form: CONTROL_CHARACTERS_MESSAGE });
  });

  it('lets clean input through, line breaks included, however deep', () => {
    expect(
      controlCharacterErrors({ reason: 'one\r\n\ttwo', list: [null, 1, true], none: undefined }),
    ).toBeNull();
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(controlCharacterErrors(deep)).not.toBeNull();
  });
});
