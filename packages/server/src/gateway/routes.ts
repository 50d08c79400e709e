import { Readable } from 'node:stream';
import type { Environment } from '@gatehouse/domain';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ownRequestId } from '../http/log';
import { edgeErrorHandler, sendProblem } from '../http/problem';
import type { AccessState } from '../oauth/access-state';
import { scopesInPlayOf } from '../oauth/liveness';
import type { TokenSigner } from '../oauth/signer';
import type { RequestLogWriter } from '../requests/log-writer';
import { type Gate, type GateCall, NOT_FOUND } from '../resource-api/gate';
import { gateHook } from '../resource-api/gate-hook';
import type { FailureLimiter, RateDecision } from '../resource-api/rate-limit';
import { rateHeaders, refuse } from '../resource-api/refusal';
import type { UsageRecorder } from '../usage/recorder';
import { signAssertion } from './assertion';
import type { GatewayConfig, GatewayMethod } from './config';
import { formOverridesMethod, isForm, readForm } from './form-body';
import { upstreamRequestHeaders } from './headers';
import { watchIdleClient } from './idle-client';
import { placeOf, publicLocation, type UpstreamPlace } from './location';
import { type GatewayPath, gatewayPath } from './paths';
import { routeDecision } from './route-decision';
import type { Upstream, UpstreamAnswer, Upstreams } from './upstream';

export interface GatewayRoutesOptions {
  environment: Environment;
  gate: Gate;
  state: AccessState;
  signer: TokenSigner;
  usage: UsageRecorder;
  requestLog: RequestLogWriter;
  failures: FailureLimiter;
  gateway: GatewayConfig;
  upstreams: Upstreams;
}

/** A gateway call, and the upstream it goes to once the gate lets it through. */
interface GatewayCall extends GateCall {
  upstream: Upstream | undefined;
}

/** Answers up to this size are read whole before they are sent on; larger ones stream. */
const SMALL_ANSWER_BYTES = 64 * 1024;
const BROKEN_ANSWER = {
  status: 502,
  error: 'bad_gateway',
  description: 'The upstream broke off its answer.',
} as const;
const BAD_STATUS = {
  status: 502,
  error: 'bad_gateway',
  description: 'The upstream answered with a status HTTP does not have.',
} as const;

const METHODS: GatewayMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

declare module 'fastify' {
  interface FastifyRequest {
    /** A gateway call's path, screened as it arrived. */
    gatewayPath: GatewayPath | null;
  }
}

/** Whether the client sends a body (RFC 9112 §6.3): a length above zero, or a chunked one. */
function hasBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Gateway mode for one environment: each area mapped to an upstream is proxied there (`/crm/*` below the
 * environment's `/api`), its static prefix winning over the demo routes' `/:area/…`. Every call passes
 * the same gate as a demo call (gate-hook.ts), with the scope and usage endpoint of its route rule; an
 * allowed call goes upstream with who is calling in headers the client cannot set, and its body streams
 * both ways, unparsed and without the demo API's body limit.
 */
export const gatewayRoutes: FastifyPluginAsync<GatewayRoutesOptions> = async (app, options) => {
  const { environment, state, signer, gateway, upstreams } = options;
  app.setErrorHandler(edgeErrorHandler);
  // The body is the upstream's to read: no parser touches it, and it is sent on as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  // A path that could be read as another one names nothing, whatever the call carries: answered at once,
  // before its body, its credentials or its characters are looked at.
  app.decorateRequest('gatewayPath', null);
  app.addHook('onRequest', (request, reply, done) => {
    request.gatewayPath = gatewayPath(request.url) ?? null;
    if (request.gatewayPath) return done();
    refuse(reply, NOT_FOUND);
  });

  gateHook<GatewayCall>(app, {
    ...options,
    callOf: (request) => {
      const { headers } = request;
      const path = request.gatewayPath as GatewayPath;
      const decision = routeDecision(gateway, request.method, path.segments);
      return {
        environment,
        tenantId: path.segments[3] ?? '',
        // A path that matches no rule, or a `deny` rule, answers like an unknown resource.
        scope: decision?.scope ?? undefined,
        endpoint: decision?.endpoint ?? '',
        appKey: headers['st-app-key'] as string | undefined,
        authorization: headers.authorization,
        upstream: upstreams.get(path.segments[0] ?? ''),
      };
    },
  });

  /** Each upstream's origin and base path, put before each call's path: the path the assertion names. */
  const places = new Map([...gateway.upstreams].map(([area, upstream]) => [area, placeOf(upstream.url)]));

  /** The host of Gatehouse's public URL, worked out again only when that URL changes (once the server listens). */
  let publicBase = '';
  let publicHost = '';
  const publicHostNow = () => {
    if (state.issuer.base !== publicBase) {
      publicBase = state.issuer.base;
      publicHost = new URL(publicBase).host;
    }
    return publicHost;
  };

  const proxy = async (request: FastifyRequest, reply: FastifyReply) => {
    const upstream = (request.gateCall as GatewayCall).upstream!;
    const { forward, pathname } = request.gatewayPath!;
    const place = places.get(upstream.config.area.path)!;
    const { verified, connection, rate } = request.admitted!;
    const { claims } = verified;
    const scopes = scopesInPlayOf(verified, connection);
    // Gatehouse's id for the call, never one the client chose: its own x-request-id goes on as an ordinary header.
    const requestId = ownRequestId(request);
    // The id the upstream knows the call by, for the client to quote to the platform whatever the answer.
    reply.header('gatehouse-request-id', requestId);
    // The client went away: the upstream call stops too, whether it is still waiting or streaming.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    watchIdleClient(request, reply, gone, upstream.config.timeoutMs);
    let body: Readable | null = hasBody(request) ? request.raw : null;
    // A form is read first: a `_method` field in it is refused as in the query (see form-body.ts).
    if (body && isForm(request.headers['content-type'])) {
      const form = await readForm(request.raw);
      if ('gone' in form || reply.raw.headersSent) return reply;
      if ('problem' in form) return sendProblem(reply.header('connection', 'close'), form.problem);
      if (formOverridesMethod(form.bytes)) return refuse(reply, NOT_FOUND);
      body = Readable.from([form.bytes]);
    }
    const assertion = await signAssertion(state.keys, signer, {
      issuer: state.issuer.issuer[environment],
      audience: upstream.config.url,
      appId: claims.app_id,
      tenantId: claims.tenant,
      environment,
      clientId: claims.client_id,
      connectionId: claims.cid,
      scopes,
      requestId,
      method: request.method,
      path: place.prefix + pathname,
      query: forward.slice(pathname.length),
    });
    const answer = await upstream.send({
      method: request.method,
      path: forward,
      headers: upstreamRequestHeaders(request.headers, {
        'gatehouse-app-id': claims.app_id,
        'gatehouse-tenant': claims.tenant,
        'gatehouse-environment': environment,
        'gatehouse-client-id': claims.client_id,
        'gatehouse-scopes': scopes.join(' '),
        'gatehouse-request-id': requestId,
        'gatehouse-assertion': assertion,
        'x-forwarded-for': request.ip,
        'x-forwarded-proto': request.protocol,
        // The address clients call Gatehouse by, not whatever Host header a client sent.
        'x-forwarded-host': publicHostNow(),
      }),
      body,
      signal: gone.signal,
      caller: { app: claims.app_id, pair: verified.pairKey },
    });
    // Answered already: the client stopped sending its body (see idle-client.ts).
    if (reply.raw.headersSent) {
      if (answer.ok) answer.body.destroy();
      return;
    }
    if (!answer.ok) {
      if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', answer.retryAfterSeconds);
      return sendProblem(reply, answer);
    }
    // Fastify refuses to send such a status: unread, the answer would hold its connection for good.
    if (answer.status < 100 || answer.status > 599) {
      answer.body.destroy();
      return sendProblem(reply, BAD_STATUS);
    }
    try {
      return await relay(request, reply, answer, { place, forward, rate, requestId });
    } catch (error) {
      // The answer's body must end whatever went wrong, or its call stays in flight.
      answer.body.destroy();
      throw error;
    }
  };

  /** Sends an upstream's answer on to the client, its Location made Gatehouse's and its quota Gatehouse's. */
  const relay = async (
    request: FastifyRequest,
    reply: FastifyReply,
    answer: Extract<UpstreamAnswer, { ok: true }>,
    call: { place: UpstreamPlace; forward: string; rate: RateDecision; requestId: string },
  ) => {
    const { location } = answer.headers;
    if (typeof location === 'string')
      answer.headers.location = publicLocation(
        location,
        call.place,
        call.forward,
        `${state.issuer.base}/${environment}/api`,
      );
    // The quota and the request id are Gatehouse's to tell: an upstream's own headers do not replace them.
    reply.code(answer.status).headers(answer.headers).header('gatehouse-request-id', call.requestId);
    rateHeaders(reply, call.rate);
    // A small answer of known length is read whole and sent in one write: far cheaper than piping a stream.
    const length = Number(answer.headers['content-length']);
    if (length <= SMALL_ANSWER_BYTES && request.method !== 'HEAD') {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of answer.body) chunks.push(chunk as Buffer);
      } catch {
        // The client left (the upstream call was stopped), or the upstream broke off its answer.
        if (reply.raw.destroyed) return reply;
        reply.removeHeader('content-length').removeHeader('content-type');
        return sendProblem(reply, BROKEN_ANSWER);
      }
      return reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    }
    return reply.send(answer.body);
  };

  for (const area of gateway.upstreams.keys())
    app.route({ method: METHODS, url: `/${area}/*`, exposeHeadRoute: false, handler: proxy });
};
