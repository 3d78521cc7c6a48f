/**
 * Admission by memory. An isolate has 128 MB in production, and a batch in flight holds several times
 * its body (bytes, text, parsed and enriched events, matches), so enough concurrent large batches would
 * outgrow the isolate, which ends it and every request in it. Requests are admitted while the bodies
 * being processed fit in MAX_BYTES_IN_FLIGHT; the others wait, first come first served, with their
 * bodies still unread, and after ADMISSION_WAIT_MS answer 503 with Retry-After (nothing of them
 * processed), never a silent drop. An admitted request counts for ADMISSION_LEASE_MS at most, so one
 * cancelled before its release cannot hold the budget for good. RELIABILITY.md has the measurements.
 *
 * A waiting request is resumed by another request's release: workerd lets a promise be resolved from
 * another request's context, and each waiter also has a timer of its own.
 */
import { ApiError } from '../http/errors'

/** Body bytes the isolate processes at once (about 64 to 80 MB of live heap). */
const MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024
/** How long a request waits for room before it is refused. */
const ADMISSION_WAIT_MS = 30_000
/**
 * How long an admitted request counts at most. A request the runtime cancels (its client went away)
 * never runs its release; without a lease its bytes would hold the budget for the isolate's life.
 * Longer than any batch runs (the CPU limit and the rule budget end one long before).
 */
const ADMISSION_LEASE_MS = 120_000

interface Waiter {
  bytes: number
  /** Hands the waiter its bytes, already held, as its release function. */
  grant: (release: () => void) => void
  granted: boolean
}

interface Holding {
  bytes: number
  /** Counted until then at most. */
  until: number
}

/** A budget of bytes with a FIFO queue; one per isolate for ingest, fresh ones in tests. */
export class Admission {
  private readonly holdings = new Set<Holding>()
  private readonly queue: Waiter[] = []

  constructor(
    readonly budget = MAX_BYTES_IN_FLIGHT,
    private readonly waitMs = ADMISSION_WAIT_MS,
    private readonly leaseMs = ADMISSION_LEASE_MS,
    /** The refusal's message, given what is admitted now. */
    private readonly refusal = (used: number) =>
      `ingest is at capacity (batches of ${used} bytes in process); retry later`,
  ) {}

  /** Bytes admitted now (leases that ran out no longer count). */
  get inFlight(): number {
    return this.used()
  }

  /**
   * Waits until `bytes` fit (a body larger than the budget runs alone) and returns the release
   * function; throws a 503 ApiError after the wait limit.
   */
  async admit(bytes: number): Promise<() => void> {
    const need = Math.min(Math.max(bytes, 1), this.budget)
    // Leases that ran out announce nothing: each arrival first lets in whom they made room for.
    this.drain()
    if (this.queue.length === 0 && this.used() + need <= this.budget) return this.hold(need)
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes: need,
        granted: false,
        grant: (release) => {
          waiter.granted = true
          clearTimeout(timer)
          resolve(release)
        },
      }
      const timer = setTimeout(() => {
        // Room may have come from leases running out, which no release announced.
        this.drain()
        if (waiter.granted) return
        const at = this.queue.indexOf(waiter)
        if (at !== -1) this.queue.splice(at, 1)
        // The head may have been the one blocking smaller requests behind it.
        this.drain()
        reject(new ApiError(503, this.refusal(this.used()), undefined, { 'Retry-After': '5' }))
      }, this.waitMs)
      this.queue.push(waiter)
    })
  }

  /** Counts `bytes` as admitted; the returned function gives them back (once). */
  private hold(bytes: number): () => void {
    const holding: Holding = { bytes, until: Date.now() + this.leaseMs }
    this.holdings.add(holding)
    return () => {
      if (this.holdings.delete(holding)) this.drain()
    }
  }

  private used(): number {
    const now = Date.now()
    let used = 0
    for (const h of this.holdings) {
      if (h.until <= now) this.holdings.delete(h)
      else used += h.bytes
    }
    return used
  }

  private drain(): void {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      if (this.used() + head.bytes > this.budget) return
      this.queue.shift()
      // Held from now on, so the next head in this loop sees it.
      head.grant(this.hold(head.bytes))
    }
  }
}
