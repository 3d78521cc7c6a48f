/**
 * One Durable Object call with the retries the runtime allows: a call whose error says it is
 * retryable (and not that the object is overloaded) is made again, on a fresh stub each time (a stub
 * that saw an error may be broken), at most MAX_ATTEMPTS times. Callers make their calls idempotent
 * (call ids), so a retried call is applied once.
 */
const MAX_ATTEMPTS = 3

function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { retryable?: unknown; overloaded?: unknown }
  return e.retryable === true && e.overloaded !== true
}

/** Runs `call` (which gets a fresh stub itself) until it succeeds or the error is final. */
export async function callObject<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err
    }
  }
}
