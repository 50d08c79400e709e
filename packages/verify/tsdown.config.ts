import { defineConfig } from 'tsdown';

/** The package as published: ES module and type declarations in dist/, its dependencies left to the installer. */
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  dts: true,
  fixedExtension: false,
});
