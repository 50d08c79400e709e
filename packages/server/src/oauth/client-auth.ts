import { type Environment, isOneLineText } from '@gatehouse/domain';
import type { FastifyRequest } from 'fastify';
import { digestsEqual, sha256Bytes } from '../auth/secrets';
import type { AccessState, ClientRecord } from './access-state';

export type FormBody = Record<string, string>;

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
export function authenticateClient(
  request: FastifyRequest,
  body: FormBody,
  environment: Environment,
  state: AccessState,
  now = Date.now(),
): ClientAuthResult | Promise<ClientAuthResult> {
  const basic = basicCredentials(request.headers.authorization);
  const usesBasic = basic !== undefined;
  if (basic === null)
    return {
      ok: false,
      error: 'invalid_client',
      description: 'The Basic credentials are malformed.',
      basic: true,
    };
  if (basic && (!isOneLineText(basic.id) || !isOneLineText(basic.secret))) {
    return {
      ok: false,
      error: 'invalid_request',
      description: 'The Basic credentials hold control characters.',
      basic: true,
    };
  }
  if (basic && (body.client_id !== undefined || body.client_secret !== undefined)) {
    return {
      ok: false,
      error: 'invalid_request',
      description: 'Use one client authentication method, not both.',
      basic: true,
    };
  }
  const id = basic?.id ?? body.client_id;
  const secret = basic?.secret ?? body.client_secret;
  if (!id || !secret)
    return {
      ok: false,
      error: 'invalid_client',
      description: 'Client authentication failed.',
      basic: usesBasic,
    };
  // A cache hit comes back as a plain value: a warm request waits on nothing here.
  const client = state.client(id);
  return client instanceof Promise
    ? client.then((found) => checkSecret(found, secret, environment, usesBasic, now))
    : checkSecret(client, secret, environment, usesBasic, now);
}

function checkSecret(
  client: ClientRecord | null,
  secret: string,
  environment: Environment,
  basic: boolean,
  now: number,
): ClientAuthResult {
  const hash = sha256Bytes(secret);
  const match = client?.secrets.find(
    (s) => !s.revoked && (s.expiresAt === null || s.expiresAt > now) && digestsEqual(s.hash, hash),
  );
  if (!client || !match || client.environment !== environment || !client.active) {
    return { ok: false, error: 'invalid_client', description: 'Client authentication failed.', basic };
  }
  return { ok: true, client, secretId: match.id, basic };
}
