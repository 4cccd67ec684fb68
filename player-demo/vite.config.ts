import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { nodePolyfills } from 'vite-plugin-node-polyfills';

const page = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Multi-page app; the server maps `/`, `/watch/:channel` and `/admin` to these files. */
export default defineConfig({
  // simple-peer expects Node's events, buffer, process and global.
  plugins: [
    nodePolyfills({
      include: ['events', 'buffer', 'process', 'stream', 'util'],
      globals: { Buffer: true, global: true, process: true },
    }),
  ],
  resolve: {
    // Pages build against the client's source: one build step, always in sync.
    alias: [
      { find: '@meshcast/client/embed', replacement: page('../client/src/embed/index.ts') },
      { find: '@meshcast/client/videojs', replacement: page('../client/src/videojs/index.ts') },
      { find: '@meshcast/client', replacement: page('../client/src/index.ts') },
    ],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // hls.js alone is ~500 kB minified; the embed bundle has its own budget.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: {
        index: page('index.html'),
        watch: page('watch.html'),
        embed: page('embed.html'),
        'embed-example': page('embed-example.html'),
        videojs: page('videojs.html'),
        admin: page('admin.html'),
      },
    },
  },
});
