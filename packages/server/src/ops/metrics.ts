import { ENVIRONMENTS } from '@gatehouse/domain';
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sqlStatementsSent } from '../db/orm';

/** A cache's monotonic counts, read at scrape time (`AccessState.cacheStats`). */
export interface CacheStat {
  cache: string;
  hits: number;
  misses: number;
}

/** The change feed's own counts (`db.feed.stats`), read at scrape time. */
export interface FeedStats {
  dispatched: number;
  lagMs: number;
  lastSyncAt: number;
}

/** What the metrics read from the parts that count for themselves, only when scraped. */
export interface MetricSources {
  cacheStats?(): CacheStat[];
  feedStats?(): FeedStats | undefined;
}

/** Seconds: a warm gate answers in well under a millisecond, a cold token in a few. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const FLUSH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The requests of one route template, by method and status: plain numbers, read at scrape time. */
type RouteCounts = { route: string; byMethod: Map<string, Map<number, number>> };

/** What counts a request that matched no route (the SPAs' pages and the JSON 404). */
const UNMATCHED = 'unmatched';

/**
 * One server's Prometheus metrics, in a registry of its own (never prom-client's global one: a process may
 * hold several servers). Requests are counted in plain numbers by a hook each route gets when it is
 * registered, so counting one allocates nothing; prom-client sees them only when scraped.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** Where `/metrics` is served, once a listener serves it (see metrics-listener.ts). */
  url: string | null = null;
  /** Usage flushes, observed by the recorder (see usage/recorder.ts). */
  readonly usageFlush = new Histogram({
    name: 'gatehouse_usage_flush_duration_seconds',
    help: 'Time to write counted usage to the database, per flush that had something to write.',
    buckets: FLUSH_BUCKETS,
    registers: [this.registry],
  });
  /** Request-log lines dropped because the buffer was full or the database refused them (see requests/log-writer.ts). */
  readonly requestLogDropped = new Counter({
    name: 'gatehouse_request_log_dropped_total',
    help: 'Request-log lines not written: the buffer was full, or the database refused the batch.',
    registers: [this.registry],
  });
  private readonly routes: RouteCounts[] = [];
  private readonly tokenLatency = this.latency('gatehouse_token_request_duration_seconds', 'token endpoint');
  private readonly gateLatency = this.latency(
    'gatehouse_gate_request_duration_seconds',
    'resource API (the gate and its answer)',
  );
  private readonly rateLimited = new Counter({
    name: 'gatehouse_rate_limit_rejections_total',
    help: 'Resource-API calls answered 429.',
    labelNames: ['environment'],
    registers: [this.registry],
  });
  private readonly fallbacks = new Counter({
    name: 'gatehouse_rate_limit_fallback_total',
    help: 'Rate-limit decisions made in this process because the shared store (Redis) did not answer, by limit.',
    labelNames: ['limiter'],
    registers: [this.registry],
  });
  private processMetrics = false;

  constructor(sources: MetricSources = {}) {
    const routes = this.routes;
    new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { route, byMethod } of routes)
          for (const [method, byStatus] of byMethod)
            for (const [status, n] of byStatus) this.inc({ route, method, status: String(status) }, n);
      },
    });
    new Counter({
      name: 'gatehouse_sql_statements_total',
      help: 'SQL statements this process sent to its databases, transactions included.',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(sqlStatementsSent());
      },
    });
    if (sources.cacheStats) this.cacheCounters(sources.cacheStats);
    if (sources.feedStats) this.feedMetrics(sources.feedStats);
  }

  /** Counts one decision a limiter made without its shared store (the limiters' `onFallback`, see shared-rate-limit.ts). */
  readonly rateLimitFallback = (limiter = 'rate limit'): void => this.fallbacks.inc({ limiter });

  /** prom-client's process metrics (CPU, memory, event loop, GC): only for a server whose metrics are served. */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Counts every request of `app`: each route registered from now on gets its own onResponse hook, which
   * knows its template, and one hook at the root counts the requests no route matched.
   */
  instrument(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const own = route.onResponse ?? [];
      route.onResponse = [this.routeHook(route.url ?? route.path), ...(Array.isArray(own) ? own : [own])];
    });
    const unmatched = this.counts(UNMATCHED);
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) count(unmatched, request.method, reply.statusCode);
      done();
    });
  }

  private routeHook(route: string): onResponseHookHandler {
    const counts = this.counts(route);
    const environment = ENVIRONMENTS.find((env) => route.startsWith(`/${env}/`));
    const gated = environment !== undefined && route.startsWith(`/${environment}/api/`);
    const latency =
      environment === undefined
        ? undefined
        : route === `/${environment}/connect/token`
          ? this.tokenLatency.labels(environment)
          : gated
            ? this.gateLatency.labels(environment)
            : undefined;
    const limited = gated ? this.rateLimited.labels(environment) : undefined;
    return (request, reply, done) => {
      const status = reply.statusCode;
      count(counts, request.method, status);
      if (latency) latency.observe(reply.elapsedTime / 1000);
      if (limited && status === 429) limited.inc();
      done();
    };
  }

  private counts(route: string): RouteCounts {
    const counts = { route, byMethod: new Map() };
    this.routes.push(counts);
    return counts;
  }

  private latency(name: string, what: string) {
    return new Histogram({
      name,
      help: `Time from request to response of the ${what}, by environment.`,
      labelNames: ['environment'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  private cacheCounters(read: () => CacheStat[]): void {
    const counter = (name: string, help: string, pick: (stat: CacheStat) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['cache'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const stat of read()) this.inc({ cache: stat.cache }, pick(stat));
        },
      });
    counter('gatehouse_cache_hits_total', 'Lookups answered from memory, by cache.', (s) => s.hits);
    counter('gatehouse_cache_misses_total', 'Lookups that went to the database, by cache.', (s) => s.misses);
  }

  private feedMetrics(read: () => FeedStats | undefined): void {
    const registers = [this.registry];
    new Counter({
      name: 'gatehouse_events_dispatched_total',
      help: 'Change events this instance read from the change feed and dispatched to its listeners.',
      registers,
      collect() {
        this.reset();
        this.inc(read()?.dispatched ?? 0);
      },
    });
    new Gauge({
      name: 'gatehouse_events_lag_seconds',
      help: 'For the last event dispatched: time from its commit to its dispatch on this instance.',
      registers,
      collect() {
        this.set((read()?.lagMs ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'gatehouse_events_last_sync_timestamp_seconds',
      help: 'When this instance last read the change feed successfully (Unix time).',
      registers,
      collect() {
        this.set((read()?.lastSyncAt ?? 0) / 1000);
      },
    });
  }
}

function count(counts: RouteCounts, method: string, status: number): void {
  let byStatus = counts.byMethod.get(method);
  if (!byStatus) {
    byStatus = new Map();
    counts.byMethod.set(method, byStatus);
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
}
