import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// spiderd serves web/dist at "/" with a strict Content-Security-Policy
// (no inline scripts, no eval, no external URLs): Vite's build emits
// only external, fingerprinted /assets/* files, which fits.
// For development, `SPIDER_URL=http://127.0.0.1:1024 npm run dev` proxies
// /spider to a running spiderd.
export default defineConfig({
  plugins: [svelte({
    // Forms copy their `edit` prop into local state once, on purpose.
    onwarn(w, handler) { if (w.code === 'state_referenced_locally' || w.code === 'a11y_autofocus') return; handler(w); },
  })],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      '/spider': { target: process.env.SPIDER_URL || 'http://127.0.0.1:1024', changeOrigin: false },
    },
  },
});
