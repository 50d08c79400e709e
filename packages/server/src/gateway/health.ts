/** What a platform reviewer sees of one upstream: as this instance sees it (each instance has its own circuits). */
export interface UpstreamHealth {
  /** The area's URL segment (`crm`) and name (`CRM`). */
  area: string;
  areaName: string;
  url: string;
  timeoutMs: number;
  /** closed: calls go through; open: answered 503 until `openUntil`; half-open: one trial call is under way. */
  circuit: 'closed' | 'open' | 'half-open';
  openUntil: Date | null;
  /** Consecutive failures so far, and how many open the circuit. */
  consecutiveFailures: number;
  failureThreshold: number;
  lastError: { message: string; at: Date } | null;
  lastSuccessAt: Date | null;
  /** Calls sent to the upstream since this instance started, and how many of them failed. */
  calls: number;
  failures: number;
  inFlight: number;
}

/** A configured route rule, as the reviewer page lists it. */
export interface RouteRuleView {
  methods: string[] | null;
  path: string;
  /** null: refused whatever the token holds. */
  scope: string | null;
}

export interface GatewayView {
  upstreams: UpstreamHealth[];
  routes: RouteRuleView[];
}

/** Where the portal's API reads the gateway's state; without a gateway, nothing is configured. */
export interface GatewayHealthSource {
  view(): GatewayView;
}

export const NO_GATEWAY_HEALTH: GatewayHealthSource = { view: () => ({ upstreams: [], routes: [] }) };
