import { describe, expect, it } from 'vitest';
import { CREDENTIALS_MODES } from './app';
import {
  CONNECTION_STATUSES,
  checkConnectionMay,
  credentialsIssuerFor,
  developerMayGenerateSecret,
  isEnvironment,
  issuerOfConnection,
  secretGenerationRefusal,
} from './connection';
import { DomainError } from './errors';

describe('who issues a connection’s credentials', () => {
  it('a new connection takes the app’s mode at Allow', () => {
    expect(credentialsIssuerFor('tenant_admin')).toBe('tenant_admin');
    expect(credentialsIssuerFor('developer')).toBe('developer');
  });

  it('a declined connection has no credentials, so no issuer', () => {
    expect(issuerOfConnection({ status: 'declined', credentialsIssuer: 'developer' })).toBeNull();
    expect(issuerOfConnection({ status: 'connected', credentialsIssuer: 'developer' })).toBe('developer');
    expect(issuerOfConnection({ status: 'disabled', credentialsIssuer: 'tenant_admin' })).toBe(
      'tenant_admin',
    );
  });

  it('the developer generates secrets only for a connected, developer-issued connection', () => {
    expect(developerMayGenerateSecret({ status: 'connected', credentialsIssuer: 'developer' })).toBe(true);
    expect(secretGenerationRefusal({ status: 'connected', credentialsIssuer: 'tenant_admin' })).toBe(
      'issued_by_tenant_admin',
    );
    expect(developerMayGenerateSecret({ status: 'connected', credentialsIssuer: 'tenant_admin' })).toBe(
      false,
    );
    for (const status of CONNECTION_STATUSES.filter((s) => s !== 'connected')) {
      for (const credentialsIssuer of CREDENTIALS_MODES) {
        expect(secretGenerationRefusal({ status, credentialsIssuer }), `${status} ${credentialsIssuer}`).toBe(
          'not_connected',
        );
      }
    }
    expect(secretGenerationRefusal(null)).toBe('not_connected');
  });
});

describe('isEnvironment', () => {
  it('takes integration and production only, as spelled', () => {
    expect(['integration', 'production'].map(isEnvironment)).toEqual([true, true]);
    expect(['staging', 'Integration', '', 'production '].map(isEnvironment)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('checkConnectionMay', () => {
  it('refuses, as a conflict with a clear message, what the state does not accept', () => {
    expect(() => checkConnectionMay(null, 'allow')).not.toThrow();
    expect(() => checkConnectionMay({ status: 'declined' }, 'allow')).not.toThrow();
    expect(() => checkConnectionMay({ status: 'connected' }, 'allow')).toThrow(
      new DomainError('CONFLICT', 'This app is already connected in this environment.'),
    );
    expect(() => checkConnectionMay({ status: 'connected' }, 'restore')).toThrow(
      'Only a disabled app can be restored.',
    );
    expect(() => checkConnectionMay(null, 'rotate_secret')).toThrow(
      'Connect the app before creating a client secret.',
    );
  });
});
