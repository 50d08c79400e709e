import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A background thread's nice value: on Linux a thread at nice 10 weighs about a tenth of one at 0, so
 * whenever it and the event loop both want a core, the event loop gets it. Alone on a core it runs at
 * full speed.
 */
export const BACKGROUND_NICE = 10;

/** This thread's id on Linux (its entry under /proc/self/task); undefined where there is none. */
function threadId(): number | undefined {
  try {
    const id = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names the calling thread where the system allows it (Linux, up to 15 characters), so `top -H`, `ps -L`
 * and the benchmarks tell it apart from V8's helpers, which are all called `node`. Elsewhere it does
 * nothing.
 */
export function nameThisThread(name: string): void {
  try {
    fs.writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // No /proc, or not allowed: the thread keeps its name.
  }
}

/**
 * Names the calling thread and lowers its priority to BACKGROUND_NICE (Linux; a thread may always lower
 * its own): for work nobody waits on, such as writing the request log. Threads it starts later inherit
 * the priority. Elsewhere, or where it is not allowed, the thread runs as before.
 */
export function asBackgroundThread(name: string): void {
  nameThisThread(name);
  const id = threadId();
  if (id === undefined) return;
  try {
    os.setPriority(id, Math.max(os.getPriority(id), BACKGROUND_NICE));
  } catch {
    // Not allowed here: the thread keeps its priority.
  }
}
