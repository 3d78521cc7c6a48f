// Secrets are not in wrangler.toml, so `wrangler types` cannot see them on a clean clone: declare them here.
// Set them with `wrangler secret put NAME` (production) or `.dev.vars` (local; see `.dev.vars.example`).
declare namespace Cloudflare {
  interface Env {
    /** Bearer token of the default ingest source. */
    INGEST_TOKEN: string
    /** Bearer token of the admin API (`/alerts`, `/rules`). */
    ADMIN_TOKEN: string
  }
}
