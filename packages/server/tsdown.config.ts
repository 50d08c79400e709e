import { defineConfig } from 'tsdown';

/**
 * The server as Node runs it in production (`node dist/main.js`): the start, migrate and add-reviewer commands, the
 * token signer's worker thread and the request log's writer thread, each an entry of its own. Installed
 * packages stay in node_modules; the workspace's packages, which export TypeScript source, are bundled in.
 */
export default defineConfig({
  entry: {
    main: 'src/main.ts',
    migrate: 'src/migrate.ts',
    'add-reviewer': 'src/add-reviewer.ts',
    'signer-worker': 'src/oauth/signer-worker.ts',
    'request-log-worker': 'src/requests/log-worker.ts',
  },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  // `.js`, as the package is an ES module: signer.ts loads `./signer-worker.js` beside it.
  fixedExtension: false,
  deps: { alwaysBundle: [/^@gatehouse\//] },
  sourcemap: true,
});
