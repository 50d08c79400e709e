import { DomainError, notFound, secretGenerationRefusal } from '@gatehouse/domain';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { audit } from '../../audit';
import { AppVersion, AuditEvent, ClientSecret, Connection, User } from '../../db/entities';
import type { SigningKeys } from '../../oauth/keys';
import { grantFormat } from '../../oauth/token-format';
import { type IssuerNames, signAccessToken } from '../../oauth/tokens';
import { dialectOf } from '../audit/lead';
import { findOwnedApp, type OrganizationMember } from './queries';

/** What signs access tokens on this instance, and the issuer they name (the access state has both). */
export interface TokenIssuing {
  readonly keys: SigningKeys;
  readonly issuer: IssuerNames;
}

/** Long enough to try a few calls in the API reference, short enough that a token left in a page soon ends. */
export const INTEGRATION_TOKEN_SECONDS = 300;
/** Tokens one developer may get in INTEGRATION_TOKEN_WINDOW_MINUTES: plenty for trying, not a loop. */
export const INTEGRATION_TOKENS_PER_WINDOW = 30;
export const INTEGRATION_TOKEN_WINDOW_MINUTES = 10;
const ISSUED = 'connection.integration_token_issued';
const TOO_MANY = `You can get at most ${INTEGRATION_TOKENS_PER_WINDOW} tokens in ${INTEGRATION_TOKEN_WINDOW_MINUTES} minutes. Please try again later.`;

/**
 * An access token for one of the app's own developer-managed connections in the integration environment,
 * for trying the API in the developer portal: exactly what the token endpoint would grant the connection's
 * client (its scopes in play, bound to its newest live secret, so revoking the secret, disabling the
 * connection or deleting the app ends it too), only shorter-lived. A connection whose credentials the
 * tenant admin issues is refused like the developer's Generate secret: its tokens are the tenant's to give.
 * Each token is recorded in the audit trail (never the token itself), and a developer gets at most
 * INTEGRATION_TOKENS_PER_WINDOW of them in INTEGRATION_TOKEN_WINDOW_MINUTES.
 */
export async function issueIntegrationToken(
  em: EntityManager,
  developer: OrganizationMember,
  input: { appId: string; tenantId: string },
  tokens: TokenIssuing | null,
) {
  const app = await findOwnedApp(em, developer.organizationId, input.appId);
  const connection = await em.findOne(Connection, {
    app: app.id,
    tenant: input.tenantId,
    environment: 'integration',
  });
  const refusal = secretGenerationRefusal(connection);
  if (refusal === 'not_connected' || !connection?.clientId || connection.acceptedVersion === null)
    throw notFound('Connection');
  if (refusal === 'issued_by_tenant_admin')
    throw new DomainError('FORBIDDEN', "The tenant admin issues this connection's client credentials.");
  const now = new Date();
  const [secret] = await em.find(
    ClientSecret,
    {
      connection: connection.id,
      revokedAt: null,
      $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
    },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1 },
  );
  if (!secret)
    throw new DomainError(
      'CONFLICT',
      'This connection has no live client secret: generate one first, tokens are bound to it.',
    );
  const version = await em.findOneOrFail(AppVersion, { app: app.id, number: connection.acceptedVersion });
  if (!tokens)
    throw new DomainError('UNAVAILABLE', 'This server issues no access tokens for trying the API.');
  const scope = version.scopes.join(' ');
  const { claims } = grantFormat({
    iss: tokens.issuer.issuer.integration,
    aud: tokens.issuer.audience.integration,
    sub: connection.clientId,
    client_id: connection.clientId,
    scope,
    tenant: input.tenantId,
    app_id: app.id,
    cid: connection.id,
    env: 'integration',
    csid: secret.id,
  });
  const clientId = connection.clientId;
  return em.transactional(async (tx) => {
    // One developer's tokens are counted one after the other.
    if (dialectOf(tx) === 'postgresql')
      await tx.lock(tx.getReference(User, developer.id), LockMode.PESSIMISTIC_WRITE);
    const since = new Date(now.getTime() - INTEGRATION_TOKEN_WINDOW_MINUTES * 60_000);
    if (
      (await tx.count(AuditEvent, { action: ISSUED, actorId: developer.id, at: { $gt: since } })) >=
      INTEGRATION_TOKENS_PER_WINDOW
    )
      throw new DomainError('RATE_LIMITED', TOO_MANY);
    const issued = Math.floor(now.getTime() / 1000);
    const { token, exp } = await signAccessToken(
      tokens.keys,
      claims,
      issued,
      undefined,
      INTEGRATION_TOKEN_SECONDS,
    );
    const expiresAt = new Date(exp * 1000);
    audit(tx, developer, {
      action: ISSUED,
      organizationId: developer.organizationId,
      appId: app.id,
      tenantId: input.tenantId,
      after: { connectionId: connection.id, clientId, environment: 'integration', expiresAt, scope },
      touched: { connectionId: connection.id, clientId, environment: 'integration' },
    });
    return { accessToken: token, tokenType: 'Bearer' as const, expiresAt, scope };
  });
}
