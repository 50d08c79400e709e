/**
 * What the scale benchmark reads of a server from outside: its resident
 * memory from /proc every 100 ms, and the SQL statements it has sent from
 * its metrics (`gatehouse_sql_statements_total`).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** A process's resident memory, sampled until stopped, with what was being called at its peak. */
export class RssWatch {
  peakKb = 0;
  peakDuring = '';
  /** Set by the caller to name what runs now. */
  during = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | undefined) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  /** Megabytes at the peak; 0 where there is no /proc. */
  get peakMb(): number {
    return this.peakKb / 1024;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    if (this.pid === undefined) return;
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1] ?? 0);
      if (kb > this.peakKb) {
        this.peakKb = kb;
        this.peakDuring = this.during;
      }
    } catch {
      // No /proc, or the process is gone: nothing to sample.
    }
  }
}

/** The server's count of SQL statements so far, from its metrics. */
export async function statementsSoFar(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gatehouse_sql_statements_total '));
  if (!line) throw new Error(`${metricsUrl}/metrics has no gatehouse_sql_statements_total`);
  return Number(line.split(' ')[1]);
}

/** The change feed's reads so far, as lib/scale-server.ts counts them. */
function feedStatements(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Process ${child.pid} did not count its feed's reads.`)),
      10_000,
    );
    const onMessage = (message: { feedStatements?: number }) => {
      if (message.feedStatements === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.feedStatements);
    };
    child.on('message', onMessage);
    child.send('feed');
  });
}

/**
 * A server's SQL statements as its metrics count them, less the change feed's own reads (a few a
 * second whoever calls): what is left between two readings is what the calls in between cost.
 */
export class StatementCount {
  constructor(
    private readonly metricsUrl: string,
    private readonly child: ChildProcess,
  ) {}

  /** Both counts at one moment: the metrics read between two equal counts of the feed's reads. */
  async now(): Promise<{ all: number; feed: number }> {
    for (;;) {
      const feed = await feedStatements(this.child);
      const all = await statementsSoFar(this.metricsUrl);
      if ((await feedStatements(this.child)) === feed) return { all, feed };
    }
  }

  /** Statements of one call; the least of `tries`, should anything else have run alongside. */
  async of(call: () => Promise<unknown>, tries = 3): Promise<number> {
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < tries; i++) {
      const before = await this.now();
      await call();
      const after = await this.now();
      least = Math.min(least, after.all - before.all - (after.feed - before.feed));
    }
    return least;
  }

  /** Statements per second while nobody calls, the feed's reads included. */
  async idle(ms = 2000): Promise<number> {
    const before = await statementsSoFar(this.metricsUrl);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ((await statementsSoFar(this.metricsUrl)) - before) / (ms / 1000);
  }
}
