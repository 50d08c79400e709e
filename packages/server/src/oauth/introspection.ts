import type { Environment } from '@gatehouse/domain';
import { z } from 'zod';
import { RevokedToken } from '../db/entities';
import type { Database } from '../db/orm';
import { recordEvent } from '../events/record';
import type { AccessState } from './access-state';
import { liveToken } from './live-token';

const INACTIVE = { active: false } as const;

/** RFC 7662 §2.2: an inactive token is only `active: false`; an active one says what it is for. */
export const introspectionAnswer = z.discriminatedUnion('active', [
  z.object({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    scope: z.string(),
    client_id: z.string(),
    token_type: z.literal('Bearer'),
    exp: z.number(),
    iat: z.number(),
    sub: z.string(),
    aud: z.string(),
    iss: z.string(),
    jti: z.string(),
    tenant: z.string(),
    app_id: z.string(),
  }),
]);

/**
 * What introspection says of `token` to the client `clientId`: active exactly when the gate would let it
 * through (see liveness.ts), with only the scopes still in play; a token left with none is inactive, and
 * so is every token of another client.
 */
export async function introspection(
  token: string,
  clientId: string,
  environment: Environment,
  state: AccessState,
): Promise<z.infer<typeof introspectionAnswer>> {
  const live = await liveToken(token, environment, state);
  if (typeof live === 'string' || live.verified.claims.client_id !== clientId) return INACTIVE;
  const { claims } = live.verified;
  const scope = live.scopes.join(' ');
  return {
    active: true,
    scope,
    client_id: claims.client_id,
    token_type: 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    jti: claims.jti,
    tenant: claims.tenant,
    app_id: claims.app_id,
  };
}

/** Revokes `token` if it is a live token of the client `clientId` (RFC 7009 §2.2: anything else changes nothing). */
export async function revoke(
  token: string,
  clientId: string,
  db: Database,
  state: AccessState,
): Promise<void> {
  const claims = (await state.verify(token))?.claims;
  if (!claims || claims.client_id !== clientId || claims.exp * 1000 <= Date.now()) return;
  await db.em().transactional(async (tx) => {
    await tx
      .createQueryBuilder(RevokedToken)
      .insert({
        jti: claims.jti,
        connection: claims.cid,
        expiresAt: new Date(claims.exp * 1000),
        revokedAt: new Date(),
      })
      .onConflict('jti')
      .ignore()
      .execute();
    recordEvent(tx, {
      type: 'token.revoked',
      appId: claims.app_id,
      tenantId: claims.tenant,
      environment: claims.env,
      connectionId: claims.cid,
      clientId: claims.client_id,
      data: { jti: claims.jti },
    });
  });
  await db.feed.catchUp();
}
