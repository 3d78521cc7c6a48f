// Bindings only the test runner provides (vitest.config.ts `miniflare.bindings`).
declare namespace Cloudflare {
  interface Env {
    /** migrations/ as read by `readD1Migrations`, applied by test/support/apply-migrations.ts. */
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
  }
}
