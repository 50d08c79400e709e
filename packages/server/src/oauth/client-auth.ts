import { type Environment, isOneLineText } from '@gatehouse/domain';
import { digestsEqual, sha256Bytes } from '../auth/secrets';
import type { ClientRecord } from './access-state';
import type { Form } from './form';

/** Why client authentication failed, and whether the client sent Basic credentials (see oauthProblem). */
export type ClientRefusal = {
  ok: false;
  error: 'invalid_request' | 'invalid_client';
  description: string;
  basic: boolean;
};

export type ClientCredentials = { ok: true; id: string; secret: string; basic: boolean };

export type ClientAuthResult = { ok: true; client: ClientRecord; secretId: string } | ClientRefusal;

/** RFC 6749 §2.3.1: both parts are form-urlencoded before Base64; decoding is skipped when there is nothing to decode. */
function formDecoded(part: string): string {
  return ENCODED.test(part) ? decodeURIComponent(part.replace(/\+/g, ' ')) : part;
}

const ENCODED = /[%+]/;

function basicCredentials(header: string | undefined): { id: string; secret: string } | null | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { id: formDecoded(decoded.slice(0, colon)), secret: formDecoded(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** The client's credentials (RFC 6749 §2.3.1): by HTTP Basic or by body parameters, never both. */
export function clientCredentials(
  authorization: string | undefined,
  form: Form,
): ClientCredentials | ClientRefusal {
  const basic = basicCredentials(authorization);
  if (basic === null) return refused('invalid_client', 'The Basic credentials are malformed.', true);
  if (basic && (!isOneLineText(basic.id) || !isOneLineText(basic.secret)))
    return refused('invalid_request', 'The Basic credentials hold control characters.', true);
  if (basic && (form.client_id !== undefined || form.client_secret !== undefined))
    return refused('invalid_request', 'Use one client authentication method, not both.', true);
  const usesBasic = basic !== undefined;
  const id = basic?.id ?? form.client_id;
  const secret = basic?.secret ?? form.client_secret;
  if (!id || !secret) return refused('invalid_client', FAILED, usesBasic);
  return { ok: true, id, secret, basic: usesBasic };
}

/**
 * Whether `client`, the record the credentials' id names (null when there is none), is a live client of
 * `environment` with that secret: the other environment's credentials are `invalid_client` too.
 */
export function authenticateClient(
  client: ClientRecord | null,
  credentials: ClientCredentials,
  environment: Environment,
  now = Date.now(),
): ClientAuthResult {
  const hash = sha256Bytes(credentials.secret);
  const match = client?.secrets.find(
    (s) => !s.revoked && (s.expiresAt === null || s.expiresAt > now) && digestsEqual(s.hash, hash),
  );
  if (!client || !match || client.environment !== environment || !client.active)
    return refused('invalid_client', FAILED, credentials.basic);
  return { ok: true, client, secretId: match.id };
}

/** One answer for every unknown client, wrong or expired secret and foreign environment: nothing to tell them apart. */
const FAILED = 'Client authentication failed.';

function refused(error: ClientRefusal['error'], description: string, basic: boolean): ClientRefusal {
  return { ok: false, error, description, basic };
}
