import { describe, expect, it } from 'vitest';
import { LinesText } from './lines-text';

type Line = [number, string, number, number, string | null, number, number];

const written = (lines: Line[]): unknown => {
  const text = new LinesText();
  for (const line of lines) text.add(...line);
  return JSON.parse(text.text());
};

describe("a block's lines as JSON text", () => {
  it('reads back every line as it was written, whatever characters its texts hold', () => {
    const lone = '\ud83d';
    const lines: Line[] = [
      [0, 'plain-id', 0, 200, null, 1250, 0],
      [7, 'quote " and \\ backslash', 3, 401, 'invalid_token', 0, -1],
      [59_999, `é☃😀 tab\tline\nnul\u0000 del\u007f ${lone}`, 4095, 429, 'fehlgeschlagen ü', 123_456_789, 40],
    ];
    expect(written(lines)).toEqual(lines);
  });

  it('is ASCII only, and an empty block is an empty array', () => {
    const text = new LinesText();
    expect(text.text()).toBe('[]');
    text.add(1, 'ü😀', 2, 200, '☃', 3, 4);
    expect(text.text()).toMatch(/^[\x20-\x7e]+$/);
    expect(text.count).toBe(1);
  });

  it('writes numbers JSON can read: negative, zero, very large and not whole', () => {
    expect(written([[-0, 'a', 0, -5, null, 2 ** 53 + 2, 1.5]])).toEqual([
      [0, 'a', 0, -5, null, 2 ** 53 + 2, 1.5],
    ]);
    expect(written([[1e21, 'b', 0, 0, null, Number.NaN, 0]])).toEqual([[1e21, 'b', 0, 0, null, null, 0]]);
  });

  it('grows past its first buffer: a thousand lines with long ids', () => {
    const lines = Array.from(
      { length: 1000 },
      (_, i): Line => [i, `${'x'.repeat(60)}${i}"`, i % 7, 200, i % 2 ? null : 'code', i * 1000, i % 40],
    );
    expect(written(lines)).toEqual(lines);
  });
});
