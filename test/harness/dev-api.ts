/**
 * `tsx test/harness/dev-api.ts --config F --port N --persist-to D [--var K:V]...`: what `wrangler dev`
 * runs (wrangler's `unstable_startWorker`: the same local workerd, proxy Worker, storage and bundling),
 * with its DevTools inspector off. The CLI always attaches one: wrangler's inspector proxy then
 * enables network events on the Worker's isolate and forwards every event of every subrequest
 * (each Durable Object call, D1 query, queue send) to wrangler's Node process, which writes it to its
 * debug log. That costs a matching batch more CPU than the Worker itself and a deployment has nothing
 * like it, so the HTTP benches measure without it (DevServer's `inspector: false`). Stops on SIGTERM.
 */
import { unstable_startWorker } from 'wrangler'

function option(name: string): string {
  const at = process.argv.indexOf(name)
  const value = at === -1 ? undefined : process.argv[at + 1]
  if (value === undefined) throw new Error(`dev-api: ${name} is required`)
  return value
}

const vars: Record<string, { type: 'plain_text'; value: string }> = {}
process.argv.forEach((arg, i) => {
  if (arg !== '--var') return
  const pair = process.argv[i + 1] ?? ''
  const colon = pair.indexOf(':')
  if (colon < 1) throw new Error(`dev-api: --var takes NAME:VALUE, not ${JSON.stringify(pair.slice(0, 40))}`)
  vars[pair.slice(0, colon)] = { type: 'plain_text', value: pair.slice(colon + 1) }
})

const worker = await unstable_startWorker({
  config: option('--config'),
  bindings: vars,
  dev: {
    server: { hostname: '127.0.0.1', port: Number(option('--port')) },
    inspector: false,
    persist: option('--persist-to'),
    remote: false,
    watch: false,
  },
})
await worker.ready
console.log(`dev-api: ready on ${(await worker.url).href}`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  void worker.dispose().finally(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
