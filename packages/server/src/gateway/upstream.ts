import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { type Attempt, Circuit } from './breaker';
import { type Caller, CallerShares } from './caller-shares';
import type { GatewayConfig, UpstreamConfig } from './config';
import { clientResponseHeaders } from './headers';
import type { GatewayHealthSource, GatewayView, UpstreamHealth } from './health';
import {
  CONNECTION_ERRORS,
  codeOf,
  DEADLINE_PASSED,
  Deadline,
  messageOf,
  NOT_THE_UPSTREAMS,
  refusalsOf,
  TIMEOUTS,
  type UpstreamRefusal,
} from './upstream-errors';

/** One call on its way to an upstream, its headers already prepared (see headers.ts). */
export interface UpstreamRequest {
  method: string;
  /** Path and query below the upstream's base URL (`/crm/v2/tenant/1/customers?x=1`), checked already. */
  path: string;
  headers: Record<string, string | string[]>;
  /** The client's body as it arrives, or null for a call without one. */
  body: Readable | null;
  /** Aborted when the client goes away: the upstream call stops too. */
  signal?: AbortSignal;
  /** Who is calling: each app and each of its pairs may hold only a share of the connections (caller-shares.ts). */
  caller?: Caller;
}

/** The upstream's answer, its hop-by-hop headers removed; or why there is none (never a rejection). */
export type UpstreamAnswer =
  | { ok: true; status: number; headers: Record<string, string | string[]>; body: Readable }
  | Readonly<UpstreamRefusal>;

/** A connection that takes longer than this is as good as refused: the caller should not wait on it. */
const CONNECT_TIMEOUT_MS = 2_000;
/** A streamed answer may pause (a slow producer, a large export); only a long silence means it hung. */
const MIN_BODY_IDLE_MS = 30_000;
/** Methods that may be sent again when the first try never reached an answer (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Calls that may test an upstream whose circuit is open: they change nothing and carry no body. */
const TRIAL_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One area's upstream: a keep-alive pool, its timeouts and its circuit breaker. */
export class Upstream {
  private readonly pool: Pool;
  /** The base URL's path (`/base` of `http://h/base`), put before every request's path. */
  private readonly prefix: string;
  private readonly circuit: Circuit;
  private lastError: { message: string; at: Date } | null = null;
  private lastSuccessAt: Date | null = null;
  private calls = 0;
  private failures = 0;
  private inFlight = 0;
  private readonly shares: CallerShares;
  private readonly refusals: ReturnType<typeof refusalsOf>;
  private readonly tooManyForApp: Readonly<UpstreamRefusal>;

  constructor(readonly config: UpstreamConfig) {
    const url = new URL(config.url);
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: config.connections,
      connectTimeout: CONNECT_TIMEOUT_MS,
      headersTimeout: config.timeoutMs,
      bodyTimeout: Math.max(config.timeoutMs, MIN_BODY_IDLE_MS),
    });
    this.circuit = new Circuit(config.breaker);
    this.shares = new CallerShares(config.connections);
    this.refusals = refusalsOf(config.area.name);
    this.tooManyForApp = {
      ...this.refusals.tooMany,
      description: `Too many calls in flight to the ${config.area.name} service for this app; try again in 1 s.`,
    };
  }

  /** Sends the call and resolves with the answer, or with why there is none; never rejects. */
  async send(request: UpstreamRequest): Promise<UpstreamAnswer> {
    // One caller cannot take every connection, whatever its calls are waiting for.
    const { caller } = request;
    const full = caller && this.shares.full(caller);
    if (full) return full === 'pair' ? this.refusals.tooMany : this.tooManyForApp;
    try {
      const mayTrial = request.body === null && TRIAL_METHODS.has(request.method);
      const outcome = await this.circuit.run((trial) => this.call(request, trial), caller?.app, mayTrial);
      if (!outcome.refused) return outcome.value;
      return this.refusals.unavailable(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
    } catch (error) {
      // Not expected (call() settles every outcome), but a gateway call must still get an answer.
      this.recordError(messageOf(error));
      return this.refusals.unreachable;
    }
  }

  /**
   * One call, with a second try only where it cannot do harm: an idempotent call without a body whose
   * connection failed before any answer (typically a keep-alive connection the upstream had just closed).
   * The circuit's trial, and a call that must wait for a free connection, must answer within the timeout
   * from the moment they are sent, whatever keeps them; others have undici's `headersTimeout`, which starts
   * once the request is written.
   */
  private async call(request: UpstreamRequest, trial: boolean): Promise<Attempt<UpstreamAnswer>> {
    this.calls++;
    this.inFlight++;
    const { caller } = request;
    if (caller !== undefined) this.shares.add(caller);
    const limit =
      trial || this.inFlight > this.config.connections
        ? new Deadline(this.config.timeoutMs, request.signal)
        : undefined;
    const signal = limit?.signal ?? request.signal;
    const tries = request.body === null && IDEMPOTENT.has(request.method) ? 2 : 1;
    let error: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        const sent = this.pool.request({
          method: request.method,
          path: this.prefix + request.path,
          headers: request.headers,
          body: request.body,
          signal,
        });
        if (limit) sent.then(undefined, () => {}); // it may settle after the deadline, unheard
        const response = await (limit ? Promise.race([sent, limit.expired]) : sent);
        limit?.clear();
        this.lastSuccessAt = new Date();
        this.follow(response.body, request);
        const headers = clientResponseHeaders(response.headers);
        return {
          verdict: 'success',
          value: { ok: true, status: response.statusCode, headers, body: response.body },
        };
      } catch (caught) {
        error = caught;
        if (signal?.aborted || !CONNECTION_ERRORS.has(codeOf(caught) ?? '')) break;
      }
    }
    limit?.clear();
    this.release(caller);
    return this.failed(error, request, signal?.reason === DEADLINE_PASSED);
  }

  /** A call is no longer under way: its answer has ended, or it never came. */
  private release(caller: Caller | undefined): void {
    this.inFlight--;
    if (caller !== undefined) this.shares.remove(caller);
  }

  /** What a call that got no answer comes to, for the client and for the circuit. */
  private failed(error: unknown, request: UpstreamRequest, pastDeadline: boolean): Attempt<UpstreamAnswer> {
    const code = codeOf(error) ?? '';
    const late = pastDeadline || code === 'UND_ERR_HEADERS_TIMEOUT';
    if (request.signal?.aborted || (!late && (request.body?.errored || NOT_THE_UPSTREAMS.has(code))))
      return { verdict: 'neutral', value: this.refusals.unreachable };
    this.failures++;
    this.recordError(late ? `No answer within ${this.config.timeoutMs} ms` : messageOf(error));
    if (!late && !TIMEOUTS.has(code)) return { verdict: 'failure', value: this.refusals.unreachable };
    // A connection that never came is the upstream's doing; a slow answer may be the caller's.
    return { verdict: late ? 'timeout' : 'failure', value: this.refusals.late };
  }

  /** Keeps the counts true while the answer streams: in flight until its body closes, a break recorded. */
  private follow(body: Readable, request: UpstreamRequest): void {
    body.once('close', () => this.release(request.caller));
    body.on('error', (error) => {
      if (request.signal?.aborted || codeOf(error) === 'UND_ERR_ABORTED') return;
      this.failures++;
      this.recordError(messageOf(error));
    });
  }

  private recordError(message: string): void {
    this.lastError = { message, at: new Date() };
  }

  health(): UpstreamHealth {
    return {
      area: this.config.area.path,
      areaName: this.config.area.name,
      url: this.config.url,
      timeoutMs: this.config.timeoutMs,
      ...this.circuit.view(),
      lastError: this.lastError,
      lastSuccessAt: this.lastSuccessAt,
      calls: this.calls,
      failures: this.failures,
      inFlight: this.inFlight,
    };
  }

  /** Closes the pool once the calls under way have ended (an answer's body must be read or destroyed). */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Every configured upstream, by area URL segment; the reviewer page reads its view. */
export class Upstreams implements GatewayHealthSource {
  private readonly byArea: ReadonlyMap<string, Upstream>;

  constructor(private readonly config: GatewayConfig) {
    this.byArea = new Map(
      [...config.upstreams].map(([areaPath, upstream]) => [areaPath, new Upstream(upstream)]),
    );
  }

  get(areaPath: string): Upstream | undefined {
    return this.byArea.get(areaPath);
  }

  view(): GatewayView {
    return {
      upstreams: [...this.byArea.values()].map((upstream) => upstream.health()),
      routes: this.config.routes.map((rule) => ({
        methods: rule.methods ? [...rule.methods] : null,
        path: rule.path,
        scope: rule.scope,
      })),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.byArea.values()].map((upstream) => upstream.close()));
  }
}
