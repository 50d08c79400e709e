/**
 * What the request log's writer costs per line where it runs (its thread, once a server is busy): a
 * second's lines of a busy API (12,000 by default, 30 apps × 40 tenants, as `bench`'s pairs make them)
 * built into blocks, and built and written with the writer the thread uses, on a scratch database. The two
 * alternate batch by batch on this process's main thread, so that the machine's drift falls on both; the
 * report gives each one's CPU per line, the main thread's and the whole process's (V8's helper threads
 * included), added up over the batches (Linux counts a thread's CPU in 10 ms ticks), and writing's ratio to building alone.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:log-writer [-- --db=postgres] [--batches=N] [--lines=N]
 */
import { migrate, openDatabase } from '@gatehouse/server/db/orm';
import { BatchWriter } from '@gatehouse/server/requests/batch-writer';
import { blocksOfChunks, LineChunks } from '@gatehouse/server/requests/line-chunks';
import { scratchDatabase } from './lib/databases';
import { deadline, fmt, intOption, log } from './lib/format';
import { gitCommit } from './lib/measure';
import { mainThreadCpu } from './lib/server-process';

const BATCHES = intOption('batches', 40, 4, 1000);
const LINES = intOption('lines', 12_000, 100, 100_000);
const KIND = process.argv.includes('--db=postgres') ? 'postgres' : 'sqlite';
const APPS = Array.from({ length: 30 }, (_, i) => `bench-app-${String(i).padStart(4, '0')}`);
const TENANTS = Array.from({ length: 40 }, (_, i) => String(700_000_000 + i));
const ROUTE = 'GET /{environment}/api/crm/v2/tenant/{tenant}/customers/{id}';

/** A second's lines, as the server's hook leaves them. */
function chunksOf(at: number) {
  const chunks = new LineChunks();
  for (let i = 0; i < LINES; i++)
    chunks.add({
      at: at + (i * 1000) / LINES,
      requestId: crypto.randomUUID(),
      kind: 'api',
      appId: APPS[i % APPS.length]!,
      tenantId: TENANTS[Math.floor(i / APPS.length) % TENANTS.length]!,
      environment: 'integration',
      method: 'GET',
      route: ROUTE,
      status: i % 50 === 0 ? 404 : 200,
      errorCode: null,
      latencyMs: 0.5 + (i % 40) / 10,
      scope: 'tn.crm.customers:r',
    });
  return chunks.take();
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase(KIND);
  const db = await openDatabase(scratch.url);
  try {
    await migrate(db);
    const writer = new BatchWriter(db);
    const samples = { build: [] as [number, number][], write: [] as [number, number][] };
    const start = Date.now();
    for (let batch = -4; batch < BATCHES * 2; batch++) {
      const at = start + (batch + 5) * 1000;
      const chunks = chunksOf(at);
      const write = batch % 2 !== 0;
      const [main0, process0] = [mainThreadCpu(process.pid) ?? 0, process.cpuUsage()];
      const blocks = blocksOfChunks([], chunks);
      if (write) {
        const outcome = await writer.write(blocks, false, at);
        if (outcome.error) throw outcome.error;
      }
      const used = process.cpuUsage(process0);
      const sample: [number, number] = [
        ((mainThreadCpu(process.pid) ?? 0) - main0) / LINES,
        (used.user + used.system) / LINES,
      ];
      // The first batches warm up.
      if (batch >= 0) samples[write ? 'write' : 'build'].push(sample);
    }
    const mean = (list: [number, number][], i: 0 | 1) => list.reduce((sum, s) => sum + s[i], 0) / list.length;
    const row = (name: string, list: [number, number][]) =>
      `| ${name} | ${fmt(mean(list, 0), 2)} | ${fmt(mean(list, 1), 2)} |`;
    const ratio = mean(samples.write, 1) / mean(samples.build, 1);
    console.log(
      [
        '# Request log writer benchmark',
        '',
        `${new Date().toISOString()} · commit ${gitCommit()} · ${scratch.label} · ${fmt(LINES)} lines a batch (${APPS.length} apps × ${TENANTS.length} tenants), ${BATCHES} batches each way, alternating; CPU over all batches per line`,
        '',
        '| Batch | Main thread µs/line | Process µs/line |',
        '|---|---:|---:|',
        row('built into blocks', samples.build),
        row('built and written', samples.write),
        '',
        `Written over built alone (process CPU): ${fmt(ratio, 2)}.`,
      ].join('\n'),
    );
  } finally {
    await db.close();
    await scratch.drop();
  }
}

deadline(10 * 60_000);
log(`${LINES} lines a batch on ${KIND}`);
await main();
