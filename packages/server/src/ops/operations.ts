import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/orm';
import type { AccessState } from '../oauth/access-state';
import { ServerMetrics } from './metrics';
import { listenForMetrics } from './metrics-listener';
import { healthRoutes, Readiness } from './readiness';

export interface OperationsOptions {
  db: Database;
  state: AccessState;
  /** Serve `GET /metrics` on this address of its own (`HOST`:`METRICS_PORT`); unset, nothing serves them. */
  metricsAt?: { host: string; port: number };
}

/**
 * What a fleet's operators use: request counting on every route registered after this call (so it comes
 * before the routes), `/healthz` and `/readyz`, and the metrics listener, closed with the server.
 */
export async function operations(
  app: FastifyInstance,
  { db, state, metricsAt }: OperationsOptions,
): Promise<{ metrics: ServerMetrics; readiness: Readiness }> {
  const metrics = new ServerMetrics({
    cacheStats: () => state.cacheStats(),
    feedStats: () => db.feed.stats,
  });
  metrics.instrument(app);
  const readiness = await Readiness.start(db, () => state.keys);
  healthRoutes(app, readiness);
  if (metricsAt) {
    metrics.collectProcessMetrics();
    const listener = await listenForMetrics(metrics.registry, metricsAt, app.log);
    metrics.url = listener.url;
    app.addHook('onClose', () => listener.close());
  }
  return { metrics, readiness };
}
