/**
 * A real HTTP receiver on 127.0.0.1 for delivery tests (Node side): records every request by bucket
 * (the first path segment) and answers as told. The e2e drives its `mode` (ok, 500s, down = connections
 * refused); the worker tests steer single answers through the query string:
 * `?status=503&retryAfter=7` answers that status and header (`location=` too), `?hang=1` never answers, `?echoRequest=1` quotes the request path and query in its answer,
 * `?delayMs=200` answers after that long.
 * `GET /_received/<bucket>` lists what a bucket got (for code running in workerd).
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ReceivedRequest {
  bucket: string
  path: string
  headers: Record<string, string>
  body: string
  /** Epoch ms. */
  at: number
  /** The status answered. */
  status: number
  /** Requests of the bucket in flight when this one arrived, itself included. */
  inFlight: number
}

export type ReceiverMode = 'ok' | 'error'

export class Receiver {
  readonly received: ReceivedRequest[] = []
  mode: ReceiverMode = 'ok'
  /** Share of requests (0 to 1) answered 503 at random while `mode` is ok: a flaky destination. */
  flaky = 0
  private server: http.Server | null = null
  private readonly sockets = new Set<Socket>()
  private hanging: http.ServerResponse[] = []
  private readonly inFlight = new Map<string, number>()
  port = 0

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Starts listening (on `port`, or the last port, or an ephemeral one). */
  async start(port: number = this.port): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res))
    server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** Stops listening and drops open connections: senders get refused connections until `start()`. */
  async stop(): Promise<void> {
    const server = this.server
    if (server === null) return
    this.server = null
    for (const res of this.hanging) res.destroy()
    this.hanging = []
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  bucket(name: string): ReceivedRequest[] {
    return this.received.filter((r) => r.bucket === name)
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver')
      const [first = '', second = ''] = url.pathname.split('/').filter(Boolean)
      if (req.method === 'GET' && first === '_received') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(this.bucket(decodeURIComponent(second))))
        return
      }
      const q = url.searchParams
      let status = Number(q.get('status') ?? 200)
      if (this.mode === 'error') status = 500
      else if (this.flaky > 0 && !q.has('status') && Math.random() < this.flaky) status = 503
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v
      const bucket = decodeURIComponent(first)
      const inFlight = (this.inFlight.get(bucket) ?? 0) + 1
      this.inFlight.set(bucket, inFlight)
      res.once('close', () => this.inFlight.set(bucket, (this.inFlight.get(bucket) ?? 1) - 1))
      this.received.push({
        bucket,
        inFlight,
        path: url.pathname + url.search,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status,
      })
      if (q.get('hang') === '1') {
        this.hanging.push(res)
        return
      }
      const out: Record<string, string> = { 'content-type': 'application/json' }
      const retryAfter = q.get('retryAfter')
      if (retryAfter !== null) out['retry-after'] = retryAfter
      const location = q.get('location')
      if (location !== null) out.location = location
      const body = JSON.stringify({
        received: this.received.length,
        status,
        echo: q.get('echo') ?? undefined,
        // `?echoRequest=1`: the request line, as services that quote it in their errors do.
        request: q.get('echoRequest') === '1' ? `${req.method} ${req.url}` : undefined,
      })
      const answer = () => {
        res.writeHead(status, out)
        res.end(body)
      }
      const delayMs = Number(q.get('delayMs') ?? 0)
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  }
}
