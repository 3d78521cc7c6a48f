import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// D1 migrations (migrations/), applied to each test file's fresh database by test/support/apply-migrations.ts.
const d1Migrations = await readD1Migrations('./migrations')

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Test-only secrets; real ones come from `wrangler secret` / `.dev.vars`.
              bindings: {
                INGEST_TOKEN: 'test-ingest-token',
                ADMIN_TOKEN: 'test-admin-token',
                TEST_MIGRATIONS: d1Migrations,
                // Two extra ingest sources (test/worker/ingest-sources.test.ts) and their secrets.
                SOURCES: JSON.stringify([
                  { id: 'sf-forwarder', label: 'Salesforce forwarder', logTypes: ['Salesforce.RealtimeEvent'], auth: { type: 'bearer', secret: 'SF_FORWARDER_TOKEN' } },
                  { id: 'ct-signed', label: 'Signed CloudTrail', logTypes: ['AWS.CloudTrail'], auth: { type: 'hmac', header: 'X-Signature', algorithm: 'sha256', secret: 'CT_HMAC_KEY', prefix: 'sha256=' } },
                ]),
                SF_FORWARDER_TOKEN: 'sf-bearer-0b7e3c9d51a4f2e8',
                CT_HMAC_KEY: 'ct-hmac-key-6f1d2a9c84be3705',
              },
            },
          }),
        ],
        test: {
          name: 'worker',
          include: ['test/worker/**/*.test.ts'],
          setupFiles: ['./test/support/apply-migrations.ts'],
          // A real HTTP receiver on 127.0.0.1 for the delivery tests (`inject('receiverUrl')`).
          globalSetup: ['./test/harness/receiver-setup.ts'],
        },
      },
      // Node-side tools (replay, backtest): they read files and run the engine in Node.
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
