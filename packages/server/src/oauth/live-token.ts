import type { Environment } from '@gatehouse/domain';
import type { AccessState, ConnectionRecord } from './access-state';
import { connectionProblem, expiryProblem, issueProblem, scopesInPlayOf } from './liveness';
import type { VerifiedToken } from './token-format';

/** A token that works right now, its connection, and the scopes it still has in play (never none). */
export interface LiveToken {
  verified: VerifiedToken;
  connection: ConnectionRecord;
  scopes: string[];
}

/**
 * What a token is worth right now, read from the access state's caches, for the endpoints that answer about
 * one (introspection, token status): `foreign` when it is no token this environment signed, `inactive` when
 * it is one but no longer works (expired, revoked, its secret or connection gone, no scope left in play).
 * The gate applies the same rules (liveness.ts) on its own path.
 */
export async function liveToken(
  token: string,
  environment: Environment,
  state: AccessState,
): Promise<LiveToken | 'foreign' | 'inactive'> {
  const verified = await state.verify(token);
  if (!verified || issueProblem(verified.claims, environment, state.issuer) !== null) return 'foreign';
  const now = Date.now();
  if (expiryProblem(verified.claims, now) !== null) return 'inactive';
  const connection = await state.connection(verified.claims.cid);
  if (!connection || connectionProblem(verified.claims, connection, now) !== null) return 'inactive';
  const scopes = scopesInPlayOf(verified, connection);
  return scopes.length > 0 ? { verified, connection, scopes } : 'inactive';
}
