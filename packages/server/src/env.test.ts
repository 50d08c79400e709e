import { describe, expect, it } from 'vitest';
import { readEnv } from './env';

describe('environment', () => {
  it('reads TRUST_PROXY as a hop count or a list of addresses and ranges', () => {
    expect(readEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(readEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(readEnv({}).TRUST_PROXY).toBeUndefined();
  });

  it('refuses to trust every sender, or anything that is not an address, with a clear message', () => {
    for (const value of ['true', '*', 'proxy.internal', '10.0.0.1;rm']) {
      expect(() => readEnv({ TRUST_PROXY: value })).toThrow(
        /TRUST_PROXY: a hop count or comma-separated addresses/,
      );
    }
  });
});
