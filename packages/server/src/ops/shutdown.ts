import type { FastifyInstance } from 'fastify';

/** After the drain's time limit, how long writing usage and closing the database may take. */
const FINISH_GRACE_MS = 10_000;

/** How a shutdown ended: every request in flight answered, or some cut off at the time limit. */
export type DrainOutcome = 'drained' | 'cut';

/**
 * Stops a server gracefully: `/readyz` answers 503 at once, the port stops accepting connections,
 * requests in flight get their answers, then the server's onClose hooks run (counted usage is written,
 * the limiters' connections close). Requests still running after `timeoutMs` have their connections
 * cut, so that a stuck client cannot hold a deploy.
 */
export async function drain(server: FastifyInstance, timeoutMs: number): Promise<DrainOutcome> {
  server.runtime.readiness.shuttingDown = true;
  let outcome: DrainOutcome = 'drained';
  const timer = setTimeout(() => {
    outcome = 'cut';
    server.server.closeAllConnections();
  }, timeoutMs);
  try {
    await server.close();
  } finally {
    clearTimeout(timer);
  }
  return outcome;
}

/**
 * SIGTERM or SIGINT once: drain, then `finish` (close the database), then exit 0 — or 1 if either
 * failed or did not end in time. A second signal exits at once, for an operator who will not wait.
 */
export function stopOnSignals(
  server: FastifyInstance,
  options: { timeoutMs: number; finish(): Promise<void> },
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    server.log.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: draining requests in flight');
    // Writing usage and closing the database get a little longer than the drain, then the process goes anyway.
    setTimeout(() => {
      server.log.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, options.timeoutMs + FINISH_GRACE_MS).unref();
    drain(server, options.timeoutMs)
      .then(async (outcome) => {
        if (outcome === 'cut')
          server.log.warn({ timeoutMs: options.timeoutMs }, 'shutdown cut requests still running');
        await options.finish();
        server.log.info('shut down');
        process.exit(0);
      })
      .catch((error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
