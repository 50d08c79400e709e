import { Worker } from 'node:worker_threads';
import type { BatchOutcome } from './batch-writer';
import type { NewBlock } from './blocks';
import type { LineChunk } from './line-chunks';

/** What the server asks of the request log's thread (see log-worker.ts). */
export type LogThreadRequest =
  | { id: number; kind: 'write'; blocks: NewBlock[]; chunks: LineChunk[]; everything: boolean }
  | { id: number; kind: 'prune'; retentionDays: number; now: number }
  | { id: number; kind: 'close' };

/** Its answers: a batch's outcome (an error as its message), lines pruned, or closed. */
export type LogThreadReply =
  | { id: number; written: number; unwritten?: NewBlock[]; error?: string; unavailable?: boolean }
  | { id: number; deleted: number }
  | { id: number; failed: string }
  | { id: number; closed: true };

type Pending = { resolve(reply: LogThreadReply): void; reject(error: Error): void };

/**
 * The request log's writer thread, with a connection of its own to the database: with thousands of calls
 * a second, what SQLite does for each block's row and index entries would otherwise run on the event loop.
 * A batch goes over as one message: the lines since the last as chunks of bytes (line-chunks.ts), which the
 * thread builds into blocks, and blocks an earlier write left for later; the thread answers once it is
 * written. Should the thread fail, every question still open fails with it, and the writer goes on
 * without it.
 */
export class LogThread {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 0;
  private readonly waiting = new Map<number, Pending>();

  constructor(private readonly databaseUrl: string) {}

  /** Whether the thread is running (it starts on the first question). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  get usable(): boolean {
    return !this.failed;
  }

  /** Blocks a write left for later, and the lines since as they came (built into blocks on the thread). */
  async write(blocks: NewBlock[], chunks: LineChunk[], everything: boolean): Promise<BatchOutcome> {
    const reply = await this.ask({ kind: 'write', blocks, chunks, everything });
    if (!('written' in reply)) throw new Error('the request log thread answered a write with something else');
    const { written, unwritten, error, unavailable } = reply;
    return error === undefined
      ? { written }
      : { written, unwritten: unwritten ?? [], error: new Error(error), unavailable: unavailable ?? false };
  }

  async prune(retentionDays: number, now: number): Promise<number> {
    const reply = await this.ask({ kind: 'prune', retentionDays, now });
    if ('failed' in reply) throw new Error(reply.failed);
    if (!('deleted' in reply)) throw new Error('the request log thread answered a prune with something else');
    return reply.deleted;
  }

  /** Closes the thread's connection and ends the thread, once it answered what it was asked. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.ask({ kind: 'close' }).catch(() => undefined);
    this.failed = true;
    this.worker = undefined;
    await worker.terminate();
  }

  private ask(request: DistributiveOmit<LogThreadRequest, 'id'>): Promise<LogThreadReply> {
    if (this.failed) return Promise.reject(new Error('the request log thread has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let worker: Worker;
      try {
        worker = this.running();
      } catch (error) {
        // A thread that cannot start (its file missing from a build, say) is not tried again.
        this.failed = true;
        throw error;
      }
      this.waiting.set(id, { resolve, reject });
      // Copied, not transferred: should the thread fail, the writer writes the same chunks itself.
      worker.postMessage({ ...request, id });
    });
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.databaseUrl);
    worker.unref();
    worker.on('message', (reply: LogThreadReply) => {
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      pending?.resolve(reply);
    });
    worker.on('error', (error) => this.stop(error, worker));
    worker.on('exit', (code) =>
      this.stop(new Error(`the request log thread exited with code ${code}`), worker),
    );
    this.worker = worker;
    return worker;
  }

  /** Every question still open fails; from now on the writer writes on the event loop. */
  private stop(error: Error, worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    void worker.terminate();
    for (const pending of this.waiting.values()) pending.reject(error);
    this.waiting.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The thread: built, the JavaScript entry beside the bundle. From source (tests, `tsx watch`) it is
 * TypeScript, which Node 20 does not load in a worker thread even under tsx, so a one-line starter imports
 * it through tsx's `tsImport`, as the token signer's does (see oauth/signer.ts).
 */
function startWorker(databaseUrl: string): Worker {
  const options = { name: 'request-log', workerData: { databaseUrl } };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./request-log-worker.js', import.meta.url), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./log-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => tsx.tsImport(${worker}, ${worker}))`, {
    ...options,
    eval: true,
  });
}
