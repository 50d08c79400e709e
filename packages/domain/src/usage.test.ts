import { describe, expect, it } from 'vitest';
import { usageOutcomeOf } from './usage';

describe('usage outcomes', () => {
  it('counts 429 apart from other client errors, and anything from 500 as a server error', () => {
    expect([200, 201, 304, 400, 401, 404, 429, 500, 503].map(usageOutcomeOf)).toEqual([
      '2xx',
      '2xx',
      '2xx',
      '4xx',
      '4xx',
      '4xx',
      '429',
      '5xx',
      '5xx',
    ]);
  });
});
