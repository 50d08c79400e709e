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

  it('reads the operations settings, with metrics off and a 10 s drain unless set', () => {
    expect(readEnv({})).toMatchObject({ ACCESS_LOG: false, SHUTDOWN_TIMEOUT_MS: 10_000 });
    expect(readEnv({}).METRICS_PORT).toBeUndefined();
    expect(readEnv({ METRICS_PORT: '9464', SHUTDOWN_TIMEOUT_MS: '2500', ACCESS_LOG: '1' })).toMatchObject({
      METRICS_PORT: 9464,
      SHUTDOWN_TIMEOUT_MS: 2500,
      ACCESS_LOG: true,
    });
    expect(() => readEnv({ METRICS_PORT: 'metrics' })).toThrow(/METRICS_PORT/);
    expect(() => readEnv({ ACCESS_LOG: 'yes please' })).toThrow(/ACCESS_LOG/);
  });

  it('keeps the request log 30 days unless REQUEST_LOG_DAYS says how many', () => {
    expect(readEnv({}).REQUEST_LOG_DAYS).toBe(30);
    expect(readEnv({ REQUEST_LOG_DAYS: '7' }).REQUEST_LOG_DAYS).toBe(7);
    for (const value of ['0', '-3', '2.5', 'a month'])
      expect(() => readEnv({ REQUEST_LOG_DAYS: value })).toThrow(/REQUEST_LOG_DAYS/);
  });
});
