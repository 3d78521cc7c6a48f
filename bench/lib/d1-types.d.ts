/**
 * D1's types for the Node-side programs (benchmarks) that run the lookup-table code against
 * Miniflare's D1: the Worker's globals are not in the Node type set, and the whole Workers type set
 * would replace Node's own (TextDecoder, fetch), so only these two are borrowed, from the module form.
 */
import type * as Workers from '@cloudflare/workers-types/index.ts'

declare global {
  type D1Database = Workers.D1Database
  type D1PreparedStatement = Workers.D1PreparedStatement
}
