import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  server: { port: 5173, proxy: { '/trpc': 'http://localhost:3000' } },
  // Source maps only when asked for (SOURCEMAP=1): a build to ship carries none.
  build: { outDir: 'dist', sourcemap: process.env.SOURCEMAP === '1' },
});
