import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Test-only secrets; real ones come from `wrangler secret` / `.dev.vars`.
              bindings: { INGEST_TOKEN: 'test-ingest-token', ADMIN_TOKEN: 'test-admin-token' },
            },
          }),
        ],
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'] },
      },
      { test: { name: 'node', environment: 'node', include: ['test/node/**/*.test.ts'] } },
    ],
  },
})
