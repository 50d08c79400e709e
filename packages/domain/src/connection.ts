import { z } from 'zod';
import type { AppKind, CredentialsMode } from './app';
import { DomainError } from './errors';
import { wasApproved } from './review';

export const ENVIRONMENTS = ['integration', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const ENVIRONMENT_LABEL: Record<Environment, string> = {
  integration: 'Integration',
  production: 'Production',
};
export const environmentSchema = z.enum(ENVIRONMENTS, { error: 'Choose Integration or Production' });

/** An environment's name as it comes in a path or a form: `integration` or `production`, nothing else. */
export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** A connection's stored state; "not connected yet" is the absence of a connection. */
export const CONNECTION_STATUSES = ['connected', 'declined', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
/** What View Connections shows per tenant and environment: a stored status, or no connection yet. */
export const CONNECTION_STATES = ['not_connected', ...CONNECTION_STATUSES] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];
export const CONNECTION_STATE_LABEL: Record<ConnectionState, string> = {
  not_connected: 'Not Connected Yet',
  connected: 'Connected',
  declined: 'Declined',
  disabled: 'Disabled',
};

export type ConnectionAction =
  | 'allow'
  | 'decline'
  | 'upgrade'
  | 'decline_upgrade'
  | 'disable'
  | 'restore'
  | 'rotate_secret'
  | 'revoke_secret';

/** Which actions a connection in `state` accepts. Anything else is refused and changes nothing. */
export function canConnectionDo(state: ConnectionState, action: ConnectionAction): boolean {
  switch (action) {
    case 'allow':
    case 'decline':
      return state === 'not_connected' || state === 'declined';
    case 'upgrade':
    case 'decline_upgrade':
    case 'rotate_secret':
    case 'revoke_secret':
      return state === 'connected' || state === 'disabled';
    case 'disable':
      return state === 'connected';
    case 'restore':
      return state === 'disabled';
  }
}

/** What the admin reads when a connection in its current state refuses an action. */
const REFUSED: Record<ConnectionAction, string> = {
  allow: 'This app is already connected in this environment.',
  decline: 'This app is already connected: disable it instead.',
  upgrade: 'Only a connected or disabled app can be upgraded.',
  decline_upgrade: 'Only a connected or disabled app has versions to decline.',
  disable: 'Only a connected app can be disabled.',
  restore: 'Only a disabled app can be restored.',
  rotate_secret: 'Connect the app before creating a client secret.',
  revoke_secret: 'Connect the app before revoking a client secret.',
};

/** Refuses, as a conflict, an action the connection's state does not accept; a missing connection is "not connected". */
export function checkConnectionMay(
  connection: { status: ConnectionStatus } | null,
  action: ConnectionAction,
): void {
  if (!canConnectionDo(connection?.status ?? 'not_connected', action))
    throw new DomainError('CONFLICT', REFUSED[action]);
}

/**
 * Who issues a connection's client credentials is fixed when the tenant admin
 * allows it, from the app's credentials mode at that moment. The app's mode only
 * says what new connections get: were it read live, a developer could switch it
 * and take over credentials a tenant admin issued.
 */
export function credentialsIssuerFor(appMode: CredentialsMode): CredentialsMode {
  return appMode;
}

/** Who issues the credentials of a connection that has them; a declined connection has none. */
export function issuerOfConnection(connection: {
  status: ConnectionStatus;
  credentialsIssuer: CredentialsMode;
}): CredentialsMode | null {
  return connection.status === 'declined' ? null : connection.credentialsIssuer;
}

/** Why a developer may not generate a client secret for a connection, or null when they may. */
export type SecretGenerationRefusal = 'not_connected' | 'issued_by_tenant_admin';

export function secretGenerationRefusal(
  connection: { status: ConnectionStatus; credentialsIssuer: CredentialsMode } | null,
): SecretGenerationRefusal | null {
  if (connection?.status !== 'connected') return 'not_connected';
  return connection.credentialsIssuer === 'developer' ? null : 'issued_by_tenant_admin';
}

/** The developer generates secrets only for a connected connection whose credentials they issue. */
export function developerMayGenerateSecret(
  connection: { status: ConnectionStatus; credentialsIssuer: CredentialsMode } | null,
): boolean {
  return secretGenerationRefusal(connection) === null;
}

/**
 * A tenant admin sees an app iff it lists the tenant, is not deleted, and is
 * private or was approved once (an approved app stays visible whatever its kind
 * becomes). A private app turned public keeps its listed identity for tenants
 * already connected, but new tenants find it only once approved.
 */
export function isVisibleToTenant(
  app: { kind: AppKind; firstApprovedAt: Date | null | undefined; deletedAt: Date | null | undefined },
  listsTenant: boolean,
): boolean {
  return listsTenant && !app.deletedAt && (app.kind === 'private' || wasApproved(app));
}

export const GRACE_HOURS = { default: 24, max: 24 * 30 } as const;
export const graceHoursSchema = z
  .number({ error: 'Enter the grace period in hours' })
  .int('Whole hours only')
  .min(0, 'The grace period cannot be negative')
  .max(GRACE_HOURS.max, `At most ${GRACE_HOURS.max} hours (30 days)`);
