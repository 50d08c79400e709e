import { type KeyObject, sign } from 'node:crypto';

/** The base64url ES256 signature (IEEE P1363, as JWS wants it) of `input`, an ASCII JWS signing input. */
export function es256(input: string, key: KeyObject): string {
  return sign('sha256', Buffer.from(input, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }).toString(
    'base64url',
  );
}
