/**
 * The server under load, in its own process so that it never shares an event
 * loop with the load generator. Started by the benchmark scripts (through
 * lib/server-process.ts) with the database URL (migrated and filled by them)
 * as its argument, and optionally `--public-url=` and `--redis-url=`; reports
 * its port over IPC and stops on SIGTERM or when the parent goes away.
 */
import { openDatabase } from '@gatehouse/server/db/orm';
import { buildServer } from '@gatehouse/server/http/server';

const databaseUrl = process.argv[2];
if (!databaseUrl || !process.send)
  throw new Error('Start this through a benchmark script: it needs the database URL and an IPC channel.');
const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) || undefined;

const db = await openDatabase(databaseUrl);
const server = await buildServer({
  db,
  logLevel: 'warn',
  publicUrl: option('public-url'),
  redisUrl: option('redis-url'),
});
await server.listen({ port: 0, host: '127.0.0.1' });
const address = server.server.address();
if (!address || typeof address === 'string') throw new Error('The server is not listening on a TCP port.');
process.send({ port: address.port });
// CPU time used so far, so that a benchmark can tell a saturated server from a saturated load generator;
// and the access caches' hit and miss counts, so that the churn benchmark can tell what a change dropped.
process.on('message', (message) => {
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  // A server from before the change feed has no counters: it answers an empty list.
  if (message === 'caches') process.send?.({ caches: server.runtime.state.cacheStats?.() ?? [] });
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
