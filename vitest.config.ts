import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  // the workspace packages from their sources (tsconfig.json `paths` does the same for tsc and tsx);
  // only the production build uses their compiled dist/
  resolve: {
    alias: {
      '@jim/protocol': source('./packages/protocol/src/index.ts'),
      '@jim/client': source('./packages/client/src/index.ts'),
    },
  },
  test: {
    exclude: ['**/node_modules/**', 'web/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    env: { NODE_ENV: 'test' },
    // `npm test` runs every project: everything else first (files in parallel), then the browser
    // suite alone, then the cluster suites one file at a time in one worker, since each starts
    // several instances, its own redis-server or child processes, and they must not compete for
    // the machine or for ports.
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'web/**', 'test/cluster/**', 'test/e2e/**'],
        },
      },
      {
        extends: true,
        test: {
          // the browser suite drives Chromium in real time: alone, so timing does not depend on the rest
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
