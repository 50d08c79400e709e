import { createPrivateKey, type KeyObject } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { randomToken } from '../auth/secrets';
import { SigningKey } from '../db/entities';

export const SIGNING_ALGORITHM = 'ES256';

export interface SigningKeys {
  /** The key that signs new tokens, with its encoded JWS header ready to prepend. */
  current: { kid: string; key: KeyObject; header: string };
  /** Every unretired key by `kid`, for verification across a rotation. */
  verifiers: Map<string, CryptoKey>;
  /** Public keys as a JWK Set. */
  jwks: { keys: JWK[] };
}

/** Instances starting together on a new PostgreSQL database take turns to make the first key (an advisory lock's id). */
const FIRST_KEY_LOCK = 74_290_117;

/**
 * Loads the signing keys, generating the first one on first start (shared by every instance through the
 * database). Instances that start together on a new database must agree on that key: on PostgreSQL they
 * take turns, and the second finds the first's key; otherwise each would sign with a key the other had
 * not loaded.
 */
export async function loadSigningKeys(em: EntityManager): Promise<SigningKeys> {
  const unretired = (tx: EntityManager) =>
    tx.find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
  let rows = await unretired(em);
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const kid = randomToken('', 12);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
    rows = await em.transactional(async (tx) => {
      if (tx.getPlatform().constructor.name === 'PostgreSqlPlatform')
        await tx.execute(`select pg_advisory_xact_lock(${FIRST_KEY_LOCK})`);
      const found = await unretired(tx);
      if (found.length > 0) return found;
      try {
        await tx.insert(SigningKey, {
          kid,
          algorithm: SIGNING_ALGORITHM,
          publicJwk,
          privateJwk,
          createdAt: new Date(),
        });
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
      }
      return unretired(tx);
    });
  }
  const newest = rows[0]!;
  const verifiers = new Map<string, CryptoKey>();
  for (const row of rows)
    verifiers.set(row.kid, (await importJWK(row.publicJwk as JWK, row.algorithm)) as CryptoKey);
  return {
    current: {
      kid: newest.kid,
      key: createPrivateKey({ key: newest.privateJwk as JWK & { kty: string }, format: 'jwk' }),
      header: Buffer.from(
        JSON.stringify({ alg: SIGNING_ALGORITHM, typ: 'at+jwt', kid: newest.kid }),
      ).toString('base64url'),
    },
    verifiers,
    jwks: { keys: rows.map((row) => row.publicJwk as JWK) },
  };
}
