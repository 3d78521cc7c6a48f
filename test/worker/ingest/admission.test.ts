/**
 * Memory admission of ingest batches (src/ingest/admission.ts): bodies in process stay within the
 * budget, waiting requests are admitted in arrival order, and one that waits too long is refused
 * with a 503 that says so.
 */
import { describe, expect, it } from 'vitest'
import { Admission } from '../../../src/ingest/admission'
import { ApiError } from '../../../src/http/errors'

describe('ingest admission by body bytes', () => {
  it('admits at once while the bodies fit, then queues in arrival order', async () => {
    const admission = new Admission(100, 60_000)
    const first = await admission.admit(60)
    const second = await admission.admit(40)
    expect(admission.inFlight).toBe(100)
    const order: string[] = []
    const third = admission.admit(50).then((release) => (order.push('third'), release))
    // Small enough to fit after the first leaves, but it came later: it waits for the third.
    const fourth = admission.admit(10).then((release) => (order.push('fourth'), release))
    await Promise.resolve()
    expect(order).toEqual([])
    first()
    const releaseThird = await third
    const releaseFourth = await fourth
    expect(order).toEqual(['third', 'fourth'])
    expect(admission.inFlight).toBe(100)
    second()
    releaseThird()
    releaseFourth()
    // Releasing twice gives nothing back twice.
    releaseFourth()
    expect(admission.inFlight).toBe(0)
  })

  it('runs a body larger than the whole budget alone', async () => {
    const admission = new Admission(100, 60_000)
    const big = await admission.admit(1_000)
    expect(admission.inFlight).toBe(100)
    const next = admission.admit(1)
    big()
    ;(await next)()
    expect(admission.inFlight).toBe(0)
  })

  it('stops counting an admission never released once its lease runs out (a cancelled request)', async () => {
    const admission = new Admission(100, 60_000, 20)
    await admission.admit(100) // never released, as when the runtime cancels the request
    expect(admission.inFlight).toBe(100)
    const waiting = admission.admit(100)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(admission.inFlight).toBe(0)
    // The next arrival lets the waiting request in first, then waits its own turn.
    const next = admission.admit(100)
    ;(await waiting)()
    ;(await next)()
    expect(admission.inFlight).toBe(0)
  })

  it('refuses a request that waited past the limit with 503 and Retry-After, and lets the next in', async () => {
    const admission = new Admission(100, 20)
    const holder = await admission.admit(100)
    const refused = await admission.admit(100).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ApiError)
    expect((refused as ApiError).status).toBe(503)
    expect((refused as ApiError).message).toMatch(/at capacity/)
    expect((refused as ApiError).headers).toEqual({ 'Retry-After': '5' })
    holder()
    ;(await admission.admit(100))()
    expect(admission.inFlight).toBe(0)
  })

  it('an admission of matches to record refuses with its own message, naming what is in process', async () => {
    const recording = new Admission(2000, 20, undefined, (used) => `at capacity recording matches (${used} in process)`)
    const holder = await recording.admit(1500)
    const refused = (await recording.admit(600).catch((err: unknown) => err)) as ApiError
    expect(refused.status).toBe(503)
    expect(refused.message).toBe('at capacity recording matches (1500 in process)')
    expect(refused.headers).toEqual({ 'Retry-After': '5' })
    holder()
  })
})
