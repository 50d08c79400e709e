import type { Readable } from 'node:stream';
import type { GatewayConfig, UpstreamConfig } from './config';
import type { GatewayHealthSource, GatewayView, UpstreamHealth } from './health';

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
}

/** The upstream's answer, its hop-by-hop headers removed; or why there is none (never a rejection). */
export type UpstreamAnswer =
  | { ok: true; status: number; headers: Record<string, string | string[]>; body: Readable }
  | {
      ok: false;
      status: 502 | 503 | 504;
      error: 'bad_gateway' | 'upstream_unavailable' | 'gateway_timeout';
      description: string;
      /** While the circuit is open: when to try again. */
      retryAfterSeconds?: number;
    };

/** One area's upstream: a keep-alive pool, its timeouts and its circuit breaker. (Contract; filled in by the implementation.) */
export declare class Upstream {
  readonly config: UpstreamConfig;
  constructor(config: UpstreamConfig);
  send(request: UpstreamRequest): Promise<UpstreamAnswer>;
  health(): UpstreamHealth;
  close(): Promise<void>;
}

/** Every configured upstream, by area URL segment; the reviewer page reads its view. */
export declare class Upstreams implements GatewayHealthSource {
  constructor(config: GatewayConfig);
  get(areaPath: string): Upstream | undefined;
  view(): GatewayView;
  close(): Promise<void>;
}
