import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase, type TestDatabase } from '#test/harness';
import { logLine } from '#test/log-line';
import { storedRequestIds } from '#test/requests';
import { BACKGROUND_NICE } from '../ops/threads';
import { BatchWriter } from './batch-writer';
import { blocksOf, type NewBlock } from './blocks';
import type { LogLine } from './line';
import { MAX_BUFFERED, RequestLogWriter } from './log-writer';

const quiet = { error: () => {} };

/** This process's threads by name, each with its nice value (Linux's /proc). */
function threadsByName(): Map<string, number[]> {
  const threads = new Map<string, number[]>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const name = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The fields after the name in brackets; the nice value is the 19th field.
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    threads.set(name, [...(threads.get(name) ?? []), nice]);
  }
  return threads;
}

/** A line of the app `appId`, as the gate hook pushes one. */
const lineOf = (appId: string, requestId: string): LogLine =>
  logLine({ at: Date.now(), appId, requestId, scope: 'tn.crm.customers:r' });

describe.each(dialects)('the request log writer (%s)', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });
  const written = async (appId: string) => (await storedRequestIds(t.db.em(), appId)).length;

  it('keeps at most MAX_BUFFERED lines between flushes and counts the ones it drops', async () => {
    const drops: number[] = [];
    const writer = new RequestLogWriter(t.db, { flushMs: 0, threadFrom: null }, quiet, {
      inc: (n) => drops.push(n),
    });
    const appId = crypto.randomUUID();
    for (let i = 0; i < MAX_BUFFERED + 7; i++) writer.push(lineOf(appId, `bounded-${i}`));
    await writer.flush();
    expect({ written: writer.written, dropped: writer.dropped }).toEqual({
      written: MAX_BUFFERED,
      dropped: 7,
    });
    expect(drops.reduce((a, b) => a + b, 0)).toBe(7);
    expect(await written(appId)).toBe(MAX_BUFFERED);
    await writer.close();
  });

  it('writes a run of blocks whole or not at all: a block the database refuses leaves the run unwritten', async () => {
    const [first, refused] = [crypto.randomUUID(), crypto.randomUUID()];
    const blocks = blocksOf([lineOf(first, 'kept-back-1'), lineOf(refused, 'kept-back-2')]);
    // The second block names an environment there is none of: the database refuses its row.
    const run = blocks.map(
      (block): NewBlock =>
        block.appId === refused ? { ...block, environment: 'staging' as NewBlock['environment'] } : block,
    );
    const outcome = await new BatchWriter(t.db).write(run, false);
    expect(outcome.error).toBeInstanceOf(Error);
    expect({ written: outcome.written, unwritten: outcome.unwritten?.map((b) => b.appId).sort() }).toEqual({
      written: 0,
      unwritten: [first, refused].sort(),
    });
    expect(await written(first)).toBe(0);
    // The same blocks, the refused one mended, are written in full.
    expect((await new BatchWriter(t.db).write(blocks, false)).written).toBe(2);
    expect([await written(first), await written(refused)]).toEqual([1, 1]);
  });

  it('writes on the event loop when its thread cannot start, and does not try the thread again', async () => {
    // A database the thread cannot open: a path under a file, or a server that is not there.
    const nowhere =
      dialect === 'sqlite' ? 'file:/dev/null/nowhere.db' : 'postgres://nobody@127.0.0.1:1/nowhere';
    const failures: string[] = [];
    const log = { error: (_details: unknown, message: string) => failures.push(message) };
    const writer = new RequestLogWriter({ ...t.db, url: nowhere }, { flushMs: 0, threadFrom: 1 }, log);
    const appId = crypto.randomUUID();
    writer.push(lineOf(appId, 'first'));
    await writer.flush();
    writer.push(lineOf(appId, 'second'));
    await writer.flush();
    expect(writer.onThread).toBe(false);
    expect(await written(appId)).toBe(2);
    expect(failures).toEqual(['request log thread stopped; writing on the event loop from now on']);
    await writer.close();
  });

  it.runIf(fs.existsSync('/proc/thread-self'))(
    'writes on a thread of its own, named request-log, that yields its core to the event loop',
    async () => {
      // The event loop's priority (this test runs on it) before the thread starts.
      const own = os.getPriority();
      const writer = new RequestLogWriter(t.db, { flushMs: 0, threadFrom: 1 }, quiet);
      const appId = crypto.randomUUID();
      writer.push(lineOf(appId, 'on-the-thread'));
      await writer.flush();
      expect(writer.onThread).toBe(true);
      expect(await written(appId)).toBe(1);
      // Every thread of that name (one, unless a thread an earlier test stopped is still ending) is lowered.
      const lowered = threadsByName().get('request-log') ?? [];
      expect(lowered.length).toBeGreaterThanOrEqual(1);
      expect(new Set(lowered)).toEqual(new Set([Math.max(own, BACKGROUND_NICE)]));
      // The event loop keeps its priority: only the log's thread was lowered, not the process.
      expect(os.getPriority()).toBe(own);
      await writer.close();
      await expect.poll(() => threadsByName().has('request-log')).toBe(false);
    },
  );
});
