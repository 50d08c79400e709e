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

/** Loads the signing keys, generating the first one on first start (shared by every instance through the database). */
export async function loadSigningKeys(em: EntityManager): Promise<SigningKeys> {
  let rows = await em.find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const kid = randomToken('', 12);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
    try {
      await em.insert(SigningKey, {
        kid,
        algorithm: SIGNING_ALGORITHM,
        publicJwk,
        privateJwk,
        createdAt: new Date(),
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    rows = await em.find(SigningKey, { retiredAt: null }, { orderBy: { createdAt: 'desc' } });
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
