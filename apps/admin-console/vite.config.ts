import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  base: '/admin/',
  server: { port: 5174, proxy: { '/trpc': 'http://localhost:3000' } },
  build: { outDir: 'dist', sourcemap: true },
});
