/**
 * Admission by memory. An isolate has 128 MB in production, and a batch in flight holds about four to
 * five times its body (bytes, text, parsed and enriched events, matches): 32 concurrent 2,000-event
 * batches (2.4 MB each) drove the isolate's V8 heap to 219 MiB under `wrangler dev`, where production
 * would end the isolate and every request in it. Locally, the old per-key rule cache layout showed
 * that failure shape: bursts of 503 "Your worker restarted mid-request" (wrangler's wording for any
 * failed hand-off to the worker) taking every request in flight at once. Requests are admitted while
 * the bodies being processed fit in MAX_BYTES_IN_FLIGHT; the others wait, first come first served,
 * with their bodies still unread, and after ADMISSION_WAIT_MS answer 503 with Retry-After (nothing of
 * them processed), never a silent drop.
 */
import { IngestError } from './errors'

/** Body bytes the isolate processes at once (about 64 to 80 MB of live heap). */
export const MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024
/** How long a request waits for room before it is refused. */
export const ADMISSION_WAIT_MS = 30_000

interface Waiter {
  bytes: number
  grant: () => void
}

/** A budget of bytes with a FIFO queue; one per isolate for ingest, fresh ones in tests. */
export class Admission {
  private used = 0
  private readonly queue: Waiter[] = []

  constructor(
    readonly budget = MAX_BYTES_IN_FLIGHT,
    private readonly waitMs = ADMISSION_WAIT_MS,
  ) {}

  /** Bytes admitted now. */
  get inFlight(): number {
    return this.used
  }

  /**
   * Waits until `bytes` fit (a body larger than the budget runs alone) and returns the release
   * function; throws a 503 IngestError after the wait limit.
   */
  async admit(bytes: number): Promise<() => void> {
    const need = Math.min(Math.max(bytes, 1), this.budget)
    if (this.queue.length === 0 && this.used + need <= this.budget) {
      this.used += need
      return this.releaser(need)
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes: need, grant: () => (clearTimeout(timer), resolve()) }
      const timer = setTimeout(() => {
        const at = this.queue.indexOf(waiter)
        if (at !== -1) this.queue.splice(at, 1)
        // The head may have been the one blocking smaller requests behind it.
        this.drain()
        reject(
          new IngestError(
            503,
            `ingest is at capacity (batches of ${this.used} bytes in process); retry later`,
            undefined,
            { 'Retry-After': '5' },
          ),
        )
      }, this.waitMs)
      this.queue.push(waiter)
    })
    return this.releaser(need)
  }

  private releaser(bytes: number): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      this.used -= bytes
      this.drain()
    }
  }

  private drain(): void {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      if (this.used + head.bytes > this.budget) return
      this.queue.shift()
      this.used += head.bytes
      head.grant()
    }
  }
}
