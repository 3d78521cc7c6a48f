/**
 * The Worker of the `wrangler dev` proxy-reset reproduction (run.ts): nothing of the engine, only
 * what a slow ingest does with a request. Query parameters: `wait` (ms before the body is read,
 * as a request queued behind others), `read=0` (answer without reading the body), `spin` (ms of
 * synchronous CPU after reading, as rules on a large batch), `slice` (with `spin`: yield to the
 * event loop after every `slice` ms of it), `hold` (ms awaited after reading, as Durable Object
 * calls), `limit` (past that many requests in process, answer 503 + Retry-After at once, body
 * read, as an admission limit would), `calls` and `objects` (after reading: `calls` Durable Object
 * calls spread over `objects` objects, 32 at a time, each storing `rows` rows in SQLite, as a batch's
 * dedup groups do).
 */
import { DurableObject } from 'cloudflare:workers'

interface Env {
  COUNTERS: DurableObjectNamespace<Counter>
}

/** A dedup window's work in miniature: rows written in the object's SQLite. */
export class Counter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, body TEXT)')
  }

  record(rows: number): number {
    for (let i = 0; i < rows; i++) {
      this.ctx.storage.sql.exec('INSERT INTO hits (body) VALUES (?)', 'x'.repeat(200))
    }
    return rows
  }
}

let inProcess = 0

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const q = new URL(request.url).searchParams
    const num = (name: string) => Number(q.get(name) ?? 0)
    if (num('limit') > 0 && inProcess >= num('limit')) {
      await request.arrayBuffer()
      return new Response('busy', { status: 503, headers: { 'Retry-After': '1' } })
    }
    inProcess++
    try {
      return await handle(request, env, num)
    } finally {
      inProcess--
    }
  },
}

async function handle(
  request: Request,
  env: Env,
  num: (name: string) => number,
): Promise<Response> {
  const q = new URL(request.url).searchParams
  if (num('wait') > 0) await new Promise((r) => setTimeout(r, num('wait')))
  let bytes = 0
  if (q.get('read') !== '0') bytes = (await request.arrayBuffer()).byteLength
  const end = Date.now() + num('spin')
  const slice = num('slice') > 0 ? num('slice') : Infinity
  let x = 0
  while (Date.now() < end) {
    const sliceEnd = Math.min(end, Date.now() + slice)
    while (Date.now() < sliceEnd) x++
    if (Date.now() < end) await new Promise((r) => setTimeout(r, 0))
  }
  if (num('hold') > 0) await new Promise((r) => setTimeout(r, num('hold')))
  const calls = num('calls')
  const objects = Math.max(1, num('objects') || calls)
  let next = 0
  const caller = async () => {
    for (let i = next++; i < calls; i = next++) {
      const stub = env.COUNTERS.get(env.COUNTERS.idFromName(`o${(i + Math.random() * 1e9) % objects | 0}`))
      await stub.record(num('rows') || 1)
    }
  }
  await Promise.all(Array.from({ length: Math.min(32, calls) }, caller))
  return Response.json({ bytes, spun: x > 0 })
}
