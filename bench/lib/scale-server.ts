/**
 * The scale benchmark's server: server.ts's, with its metrics served on a
 * port of its own as `METRICS_PORT` would have them, so that the benchmark
 * can read how many SQL statements each call cost. The change feed's own
 * reads (a few a second, whoever calls) are counted apart and told over IPC
 * ('feed'), so that they can be told from a call's. Started by scale.ts
 * through server-process.ts with the database URL; reports its port and its
 * metrics' URL over IPC and stops on SIGTERM or when the parent goes away.
 */
import { openDatabase } from '@gatehouse/server/db/orm';
import { buildServer } from '@gatehouse/server/http/server';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send)
  throw new Error('Start this through scale.ts: it needs the database URL and an IPC channel.');

const db = await openDatabase(databaseUrl);
let feedStatements = 0;
db.em()
  .getKnex()
  .on('query', (query: { sql?: string }) => {
    if (query.sql && /^\s*(select|delete)\b/i.test(query.sql) && query.sql.includes('change_event'))
      feedStatements++;
  });
const server = await buildServer({ db, logLevel: 'warn', metricsAt: { host: '127.0.0.1', port: 0 } });
await server.listen({ port: 0, host: '127.0.0.1' });
const address = server.server.address();
if (!address || typeof address === 'string') throw new Error('The server is not listening on a TCP port.');
process.send({ port: address.port, metricsUrl: server.runtime.metrics.url });
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (message === 'feed') process.send?.({ feedStatements });
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // process.exit, not a natural end: the IPC channel would keep the process alive.
  void server
    .close()
    .then(() => db.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
