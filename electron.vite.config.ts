import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: resolve('main/electron/index.ts') } },
    },
  },
  preload: {
    // A sandboxed preload must be one CommonJS file with nothing left to require.
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    build: { minify: true, rollupOptions: { input: { index: resolve('renderer/index.html') } } },
    plugins: [react()],
  },
});
