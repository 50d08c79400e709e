import { type Environment, isOneLineText } from '@gatehouse/domain';
import { digestsEqual, sha256Bytes } from '../auth/secrets';
import type { AccessState, ClientRecord } from './access-state';
import type { Form } from './form';

export type ClientAuthResult =
  | { ok: true; client: ClientRecord; secretId: string; basic: boolean }
  | { ok: false; error: 'invalid_request' | 'invalid_client'; description: string; basic: boolean };

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

/**
 * Client authentication by HTTP Basic or by body parameters (never both),
 * for one environment: the other environment's credentials are `invalid_client`.
 */
export async function authenticateClient(
  authorization: string | undefined,
  body: Form,
  environment: Environment,
  state: AccessState,
  now = Date.now(),
): Promise<ClientAuthResult> {
  const basic = basicCredentials(authorization);
  if (basic === null) return refused('invalid_client', 'The Basic credentials are malformed.', true);
  if (basic && (!isOneLineText(basic.id) || !isOneLineText(basic.secret)))
    return refused('invalid_request', 'The Basic credentials hold control characters.', true);
  if (basic && (body.client_id !== undefined || body.client_secret !== undefined))
    return refused('invalid_request', 'Use one client authentication method, not both.', true);
  const usesBasic = basic !== undefined;
  const id = basic?.id ?? body.client_id;
  const secret = basic?.secret ?? body.client_secret;
  if (!id || !secret) return refused('invalid_client', FAILED, usesBasic);
  const client = await state.client(id);
  const hash = sha256Bytes(secret);
  const match = client?.secrets.find(
    (s) => !s.revoked && (s.expiresAt === null || s.expiresAt > now) && digestsEqual(s.hash, hash),
  );
  if (!client || !match || client.environment !== environment || !client.active)
    return refused('invalid_client', FAILED, usesBasic);
  return { ok: true, client, secretId: match.id, basic: usesBasic };
}

/** One answer for every unknown client, wrong or expired secret and foreign environment: nothing to tell them apart. */
const FAILED = 'Client authentication failed.';

function refused(
  error: 'invalid_request' | 'invalid_client',
  description: string,
  basic: boolean,
): ClientAuthResult {
  return { ok: false, error, description, basic };
}
