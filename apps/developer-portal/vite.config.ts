import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  server: { port: 5173, proxy: { '/trpc': 'http://localhost:3000', '/exports': 'http://localhost:3000' } },
  build: {
    outDir: 'dist',
    // Source maps only when asked for (SOURCEMAP=1): a build to ship carries none.
    sourcemap: process.env.SOURCEMAP === '1',
    // dist/.vite/manifest.json: which chunks the first screen needs, for the size budget the build
    // script checks (scripts/check-bundle-size.mjs). The server does not serve dot-directories.
    manifest: true,
    // Modules run in the order they are imported, whatever chunk they land in: main.tsx's first import
    // (zod without eval, for the Content-Security-Policy) must run before any schema is made, and a
    // lazy page sharing code with the first screen puts those schemas in a chunk of their own.
    rolldownOptions: { output: { strictExecutionOrder: true } },
  },
});
