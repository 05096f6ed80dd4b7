import { defineConfig } from 'vite';

/**
 * The viewer: `vite build web` (part of `npm install` via `prepare`, or `npm run build:web`) writes
 * dist/web, which `opencim serve` serves at /. `npx vite web` runs it against a server on :8080.
 */
const api = 'http://127.0.0.1:8080';
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    assetsInlineLimit: 0,
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'maplibre', test: /maplibre-gl/ }, { name: 'echarts', test: /echarts|zrender/ }] } } },
  },
  server: { proxy: Object.fromEntries(['/api', '/tiles', '/collections', '/conformance', '/report'].map((p) => [p, api])) },
});
