import { defineConfig } from 'vitest/config';

/**
 * Three projects, run by `npm test` one after another:
 * - unit: pure code, injected clocks, no network;
 * - integration: real servers on port 0 (express, socket.io, WebRTC in Node);
 * - e2e: real Chromium against the built pages; files run one at a time (2 cores).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['client/test/unit/**/*.test.ts', 'signaling-server/test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/test/integration/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
