#!/usr/bin/env node
// The JavaScript a browser must fetch before an SPA's first screen draws: the
// entry chunk and every chunk it imports statically, gzipped the way a CDN or
// proxy would send them. Routes loaded lazily are left out: their chunks come
// when the route opens. Prints the figure, and exits 1 when it passes the budget.
//
//   node scripts/check-bundle-size.mjs <dist> <budget in kB>
//
// Reads <dist>/.vite/manifest.json (Vite's `build.manifest: true`). Sizes are
// gzip at zlib's default level (6), what compression in a proxy or middleware
// typically sends; files compressed ahead of time at level 9 come out about 1%
// smaller. 1 kB is 1,000 bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const [dist, budgetArgument] = process.argv.slice(2);
const budgetKb = Number(budgetArgument);
if (!dist || !Number.isFinite(budgetKb) || budgetKb <= 0) {
  console.error('Usage: node scripts/check-bundle-size.mjs <dist> <budget in kB>');
  process.exit(2);
}

const manifestPath = path.join(dist, '.vite', 'manifest.json');
let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
} catch (error) {
  console.error(`No build manifest at ${manifestPath} (${error.message}): build with build.manifest: true.`);
  process.exit(2);
}

/** The manifest keys of the entry chunks and of every chunk they import statically, each once. */
function initialChunks() {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`The manifest names ${key} but has no entry for it.`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry);
  if (entries.length === 0) throw new Error(`${manifestPath} has no entry chunk.`);
  for (const key of entries) visit(key);
  return [...seen].map((key) => manifest[key].file).filter((file) => file.endsWith('.js'));
}

const files = initialChunks()
  .map((file) => {
    const source = readFileSync(path.join(dist, file));
    const gzip = gzipSync(source).length;
    return { file, raw: source.length, gzip };
  })
  .sort((a, b) => b.gzip - a.gzip);

const kB = (bytes) => (bytes / 1000).toFixed(1);
const totalGzip = files.reduce((sum, f) => sum + f.gzip, 0);
const totalRaw = files.reduce((sum, f) => sum + f.raw, 0);
const name = path.basename(path.resolve(dist, '..'));
for (const f of files) console.log(`  ${f.file}  ${kB(f.raw)} kB, ${kB(f.gzip)} kB gzip`);
const figure = `${name}: initial JS ${kB(totalGzip)} kB gzip (${kB(totalRaw)} kB raw, ${files.length} ${files.length === 1 ? 'chunk' : 'chunks'}), budget ${budgetKb} kB`;
if (totalGzip > budgetKb * 1000) {
  console.error(`${figure}: over budget. Load rarely opened routes lazily (routes.tsx) to bring it down.`);
  process.exit(1);
}
console.log(`${figure}: within budget.`);
