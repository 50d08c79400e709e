/**
 * The server under load, in its own process so that it never shares an event
 * loop with the load generator. Built with the product's bundler settings and
 * run by plain Node, as `node dist/main.js` runs in production (see
 * lib/server-process.ts, which builds and starts it). Its arguments: the
 * database URL (migrated and filled beforehand), and optionally
 * `--public-url=`, `--redis-url=`, `--upstreams=` (gateway mode's JSON), `--metrics` (serve `/metrics` on a port of
 * its own, as `METRICS_PORT` would, so that a benchmark can read how many SQL
 * statements a call cost) and `--count-feed` (count the change feed's own
 * reads, a few a second whoever calls, so that they can be told from a
 * call's). Reports its port (and its metrics' URL) over IPC and stops on
 * SIGTERM or when the parent goes away.
 *
 * Over IPC it answers 'cpu' (its CPU time so far, so that a benchmark can tell
 * a saturated server from a saturated load generator), 'caches' (the access
 * caches' hit and miss counts, so that the churn benchmark can tell what a
 * change dropped), 'memory' (`process.memoryUsage()`: how much of the RSS is
 * the JavaScript heap, buffers outside it and the rest) and, with
 * `--count-feed`, 'feed' (the change feed's reads so far), and 'requestLog' (the request log's lines
 * written and dropped so far, once what it holds is written).
 *
 * `REQUEST_LOG=off` in the environment switches the request log off, to measure what it costs.
 */
import { openDatabase } from '@gatehouse/server/db/orm';
import { readGatewayConfig } from '@gatehouse/server/gateway/config';
import { buildServer } from '@gatehouse/server/http/server';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send)
  throw new Error('Start this through a benchmark script: it needs the database URL and an IPC channel.');
const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) || undefined;
const flag = (name: string) => process.argv.includes(`--${name}`);

const db = await openDatabase(databaseUrl);
let feedStatements = 0;
if (flag('count-feed'))
  db.em()
    .getKnex()
    .on('query', (query: { sql?: string }) => {
      if (query.sql && /^\s*(select|delete)\b/i.test(query.sql) && query.sql.includes('change_event'))
        feedStatements++;
    });
const server = await buildServer({
  db,
  logLevel: 'warn',
  publicUrl: option('public-url'),
  redisUrl: option('redis-url'),
  ...(flag('metrics') ? { metricsAt: { host: '127.0.0.1', port: 0 } } : {}),
  // Gateway mode, as GATEHOUSE_UPSTREAMS sets it: areas proxied to the given base URLs.
  ...(option('upstreams') ? { gateway: readGatewayConfig({ upstreams: option('upstreams') }) } : {}),
  requestLog: { enabled: process.env.REQUEST_LOG !== 'off' },
});
await server.listen({ port: 0, host: '127.0.0.1' });
const address = server.server.address();
if (!address || typeof address === 'string') throw new Error('The server is not listening on a TCP port.');
process.send({ port: address.port, metricsUrl: server.runtime.metrics.url });
process.on('message', (message: unknown) => {
  // The request log switched on or off while the server runs (bench:request-log swaps it between servers).
  if (typeof message === 'object' && message !== null && 'logCalls' in message && server.runtime.requestLog) {
    server.runtime.requestLog.enabled = message.logCalls === true;
    process.send?.({ logCalls: server.runtime.requestLog.enabled });
  }
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  // A server from before the change feed has no counters: it answers an empty list.
  if (message === 'caches') process.send?.({ caches: server.runtime.state.cacheStats?.() ?? [] });
  if (message === 'feed' && flag('count-feed')) process.send?.({ feedStatements });
  if (message === 'memory') process.send?.({ memory: process.memoryUsage() });
  // A server from before the request log answers nothing.
  const log = server.runtime.requestLog;
  if (message === 'requestLog' && log)
    void log
      .flush()
      .catch(() => undefined)
      .then(() =>
        process.send?.({
          requestLog: {
            enabled: log.enabled,
            written: log.written,
            dropped: log.dropped,
            onThread: log.onThread,
          },
        }),
      );
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // process.exit, not a natural end: the IPC channel would keep the process alive. --cpu-prof still writes its profile.
  void server
    .close()
    .then(() => db.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
