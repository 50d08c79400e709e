/**
 * The request log's writer thread (see log-thread.ts), an entry of its own in the build: it opens the
 * database with a connection of its own and answers each question in turn, a batch written, lines pruned,
 * or closed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/orm';
import { asBackgroundThread } from '../ops/threads';
import { BatchWriter } from './batch-writer';
import { blocksOfChunks } from './line-chunks';
import type { LogThreadReply, LogThreadRequest } from './log-thread';

const port = parentPort;
if (!port) throw new Error('log-worker runs only as the request log’s thread.');
const { databaseUrl } = workerData as { databaseUrl: string };
// Nobody waits on the log: on a busy machine the event loop comes first (see threads.ts).
asBackgroundThread('request-log');

/**
 * The connection, opened once. On the embedded database a statement pauses a little after it commits, so
 * that the server's own connection finds the database free when it writes (SQLite has one writer at a time,
 * and a server waiting for it waits on its event loop).
 */
const ready = openDatabase(databaseUrl).then((db) => ({
  db,
  writer: new BatchWriter(db, db.dialect === 'sqlite' ? 5 : 0),
}));
let queue: Promise<unknown> = ready;

port.on('message', (request: LogThreadRequest) => {
  queue = queue.then(() => answer(request));
});

async function answer(request: LogThreadRequest): Promise<void> {
  const { db, writer } = await ready;
  let reply: LogThreadReply;
  if (request.kind === 'write') {
    const { written, unwritten, error, unavailable } = await writer.write(
      blocksOfChunks(request.blocks, request.chunks),
      request.everything,
    );
    reply = error
      ? { id: request.id, written, unwritten, error: error.message, unavailable }
      : { id: request.id, written };
  } else if (request.kind === 'prune') {
    try {
      reply = { id: request.id, deleted: await writer.prune(request.retentionDays, request.now) };
    } catch (error) {
      reply = { id: request.id, failed: error instanceof Error ? error.message : String(error) };
    }
  } else {
    await db.close();
    reply = { id: request.id, closed: true };
  }
  port?.postMessage(reply);
}
