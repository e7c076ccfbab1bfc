import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@mua-sts/source'] },
  ssr: { resolve: { conditions: ['@mua-sts/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One private TMPDIR per run, removed at the end: no temp directory outlives `npm test`.
    globalSetup: ['test/support/temp-root.ts'],
  },
})
