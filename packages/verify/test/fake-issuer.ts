import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';

type StatusHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Gatehouse's HTTP surface as a verifier sees it (key set and token status), served from keys made here,
 * so tests can sign what Gatehouse never would: other types, algorithms, issuers, expired tokens.
 */
export async function fakeIssuer() {
  const keys = new Map<string, { privateKey: CryptoKey; jwk: JWK }>();
  const addKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    keys.set(kid, { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } });
  };
  await addKey('k1');
  let published = ['k1'];
  const asked = { jwks: 0, status: 0 };
  const statusAsks: { appKey: string | undefined; authorization: string | undefined }[] = [];

  /** By default: active, with the token's own claims, whatever the app key. */
  const activeAnswer: StatusHandler = (request, response) => {
    const claims = decodeJwt((request.headers.authorization ?? '').replace(/^Bearer /, ''));
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ active: true, ...claims }));
  };
  let status: StatusHandler = activeAnswer;
  let jwksStatus = 200;

  const server = createServer((request, response) => {
    if (request.url === '/integration/.well-known/jwks.json') {
      asked.jwks++;
      response.statusCode = jwksStatus;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: published.map((kid) => keys.get(kid)!.jwk) }));
    } else if (request.url === '/integration/connect/token-status') {
      asked.status++;
      statusAsks.push({
        appKey: request.headers['st-app-key'] as string | undefined,
        authorization: request.headers.authorization,
      });
      status(request, response);
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/integration`;

  return {
    issuer,
    asked,
    statusAsks,
    /** A token as Gatehouse signs one, changed as asked. */
    async sign(
      claims: JWTPayload = {},
      header: { typ?: string; kid?: string } = {},
      lifetime: { iat?: number; exp?: number } = {},
    ): Promise<string> {
      const kid = header.kid ?? published[published.length - 1]!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        aud: `${issuer}/api`,
        sub: 'client-1',
        client_id: 'client-1',
        app_id: 'app-1',
        tenant: '985798691',
        env: 'integration',
        cid: 'connection-1',
        csid: 'secret-1',
        jti: crypto.randomUUID(),
        scope: 'tn.crm.customers:r',
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', typ: header.typ ?? 'at+jwt', kid })
        .setIssuedAt(lifetime.iat ?? now)
        .setExpirationTime(lifetime.exp ?? now + 900)
        .sign(keys.get(kid)!.privateKey);
    },
    /** Signs with a key of the same id that the key set does not hold: a forgery. */
    async forge(claims: JWTPayload = {}): Promise<string> {
      const { privateKey } = await generateKeyPair('ES256');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: `${issuer}/api`, ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: published[0]! })
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .sign(privateKey);
    },
    /** Publishes a new key beside the old ones and signs with it from now on. */
    async rotate(kid: string) {
      await addKey(kid);
      published = [...published, kid];
    },
    /** A key that signs but is not in the key set (yet). */
    async addUnpublishedKey(kid: string) {
      await addKey(kid);
    },
    answerStatus(handler: StatusHandler | 'active') {
      status = handler === 'active' ? activeAnswer : handler;
    },
    answerJwks(code: number) {
      jwksStatus = code;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export type FakeIssuer = Awaited<ReturnType<typeof fakeIssuer>>;
