/**
 * Seeds the scale benchmark's big database anew and keeps it for
 * `bench:scale -- --reuse` (issue 15): 10,000 apps of one organization,
 * 100,000 connections, usage of 30 days and 1,000,000 audit events, after
 * the demo data. Prints the time each table took.
 *
 *   npx -y pnpm@12.4.2 --filter @gatehouse/bench run bench:scale:seed [-- --db=sqlite|postgres|both]
 */
import { deadline, log } from './lib/format';
import { bigDatabase, dialectsAsked, SCALE_DIR } from './lib/scale-databases';

deadline(20 * 60_000);
for (const kind of dialectsAsked()) {
  const seeded = await bigDatabase(kind, false, log);
  console.log(`\n${seeded.label}: seeded in ${seeded.report.seconds.toFixed(1)} s`);
  for (const t of seeded.report.tables)
    console.log(
      `  ${t.table.padEnd(14)} ${t.rows.toLocaleString('en-US').padStart(10)} rows  ${t.seconds.toFixed(1).padStart(5)} s`,
    );
}
console.log(`\nKept for --reuse (SQLite file and notes in ${SCALE_DIR}).`);
