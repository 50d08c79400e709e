/**
 * The benchmarks' server (`server.ts`) bundled as the product is: the product's own tsdown settings and entries
 * (the token signer's worker among them), with the bench server as one more entry. Built inside packages/server
 * so that the bundle finds the server's installed packages where `node dist/main.js` finds them; the output
 * folder is given on the command line (lib/server-process.ts).
 */
import path from 'node:path';
import product from '../../packages/server/tsdown.config';

const entries = product.entry;
if (typeof entries !== 'object' || Array.isArray(entries))
  throw new Error("The server's tsdown config is expected to name its entries.");

export default {
  ...product,
  cwd: path.join(import.meta.dirname, '..', '..', 'packages', 'server'),
  entry: { ...entries, 'bench-server': path.join(import.meta.dirname, '..', 'server.ts') },
};
