import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { es256 } from './es256';
import type { SignerReply, SignerRequest } from './signer-worker';

interface Job {
  input: string;
  key: KeyObject;
  resolve: (signature: string) => void;
  reject: (error: Error) => void;
}

/**
 * Signs access tokens on a worker thread, in batches.
 *
 * An ES256 signature is the biggest single cost of a token request. Done on
 * the event loop it holds up every other request; handed to libuv's thread
 * pool one by one, each signature pays a round of thread wake-ups. Here the
 * token requests of one turn of the event loop go to the worker as one
 * message and come back as one, so the event loop only writes tokens while
 * another core computes their signatures.
 *
 * The worker starts on the first token. Should it fail, signatures are made
 * on the event loop from then on: tokens keep coming, a little slower.
 */
export class TokenSigner {
  /** `log`: where trouble with the worker is reported (the server's logger). */
  constructor(private readonly log: Pick<FastifyBaseLogger, 'error'>) {}

  private worker: Worker | undefined;
  private failed = false;
  private queue: Job[] = [];
  private scheduled = false;
  private nextBatch = 0;
  private readonly inFlight = new Map<number, Job[]>();
  /** Keys the worker holds, by the id this signer gave them. */
  private readonly keyIds = new Map<KeyObject, number>();

  /** The base64url ES256 signature (IEEE P1363) of `input`, an ASCII JWS signing input. */
  sign(input: string, key: KeyObject): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failed) {
        signEachHere([{ input, key, resolve, reject }]);
        return;
      }
      this.queue.push({ input, key, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase: every token request read in this turn of the loop joins the batch.
        setImmediate(() => this.send());
      }
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failed = true;
    this.signRemainingHere();
    if (worker) await worker.terminate();
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.failed) {
      signEachHere(batch);
      return;
    }
    const id = this.nextBatch++;
    try {
      const worker = this.started();
      const keys: number[] = [];
      for (const job of batch) {
        let keyId = this.keyIds.get(job.key);
        if (keyId === undefined) {
          keyId = this.keyIds.size;
          worker.postMessage({ keyId, key: job.key } satisfies SignerRequest);
          this.keyIds.set(job.key, keyId);
        }
        keys.push(keyId);
      }
      this.inFlight.set(id, batch);
      worker.postMessage({ id, inputs: batch.map((job) => job.input), keys } satisfies SignerRequest);
    } catch (error) {
      this.inFlight.delete(id);
      this.stop(error as Error);
      signEachHere(batch);
    }
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref();
    worker.on('message', (message: SignerReply) => {
      const batch = this.inFlight.get(message.id);
      if (!batch) return;
      this.inFlight.delete(message.id);
      if ('error' in message) {
        // The worker could not sign this batch: sign it here rather than fail the requests.
        this.log.error(
          { reason: message.error },
          'token signer could not sign a batch; signing it on the event loop',
        );
        signEachHere(batch);
        return;
      }
      for (const [index, job] of batch.entries()) job.resolve(message.signatures[index]!);
    });
    worker.on('error', (error) => this.stop(error, worker));
    worker.on('exit', (code) => this.stop(new Error(`exit code ${code}`), worker));
    this.worker = worker;
    return worker;
  }

  /** From now on, signatures are made here; whatever the worker still owes is signed here too. */
  private stop(error: Error, worker = this.worker): void {
    if (this.failed || this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    this.log.error({ err: error }, 'token signer stopped; signing on the event loop from now on');
    void worker?.terminate();
    this.signRemainingHere();
  }

  /** What the worker has not answered yet is signed here, so that no token request fails with it. */
  private signRemainingHere(): void {
    const owed = [...this.inFlight.values()].flat().concat(this.queue);
    this.inFlight.clear();
    this.queue = [];
    signEachHere(owed);
  }
}

/** Signs each job on the event loop; a job that cannot be signed fails alone. */
function signEachHere(jobs: Job[]): void {
  for (const job of jobs) {
    try {
      job.resolve(es256(job.input, job.key));
    } catch (error) {
      job.reject(error as Error);
    }
  }
}

/**
 * The worker thread: built, the JavaScript entry beside the bundle. From source (tests, `tsx watch`) it is
 * TypeScript, which Node 20 does not load in a worker thread even under tsx, so a one-line starter imports
 * it through tsx's `tsImport` (tsx is a development dependency, resolved from this package).
 */
function startWorker(): Worker {
  const options = { name: 'token-signer' };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./signer-worker.js', import.meta.url), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./signer-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => tsx.tsImport(${worker}, ${worker}))`, {
    ...options,
    eval: true,
  });
}
