/**
 * Whether one correlation rule's criteria hold over the signals of one match value: pure, no storage
 * and no clock, so the Durable Object, the rule test runner and conformance decide the same way.
 *
 * Group: every present member has at least MinMatchCount signals whose event times all lie within
 * LookbackWindowMinutes of each other, in any order. Sequence: each step's signals come at or after
 * the previous step was reached (its MinMatchCount-th signal), within the transition's
 * WithinTimeFrameMinutes, and the whole chain within the lookback window.
 *
 * Absence (docs/correlation.md says why these windows): a Group's absent member cancels a candidate
 * when it has MinMatchCount signals in any lookback window that could hold the candidate, that is
 * from `completion − lookback` to `first signal + lookback`; the candidate is decided when that span
 * closes. A Sequence's absent first step cancels when its signals come within the transition's time
 * frame before the second step (decided at once); an absent last step when they come within the time
 * frame after the step before it (decided when that frame closes).
 */
import type { CorrelationSpec } from './spec'

const MINUTE = 60_000
/** Candidates tried per decision at most: the state is bounded, this bounds the CPU too. */
const MAX_CANDIDATES = 20_000

export interface Signal {
  /** Unique per (event, member): a retried batch names its signals the same. */
  id: string
  /** Index of the member in `spec.members`. */
  member: number
  /** Event time (epoch ms). */
  time: number
  /** Arrival order, to break ties in event time. */
  seq: number
}

export type Decision =
  | { kind: 'fire'; signals: Signal[]; completedAt: number }
  | { kind: 'wait'; until: number }
  | { kind: 'none' }

interface Candidate {
  /** The present signals that satisfy the criteria. */
  signals: Signal[]
  /** Absence windows to check, and when the last of them closes. */
  absent: { member: number; from: number; to: number }[]
  decideAt: number
  completedAt: number
}

const byTime = (a: Signal, b: Signal): number => a.time - b.time || a.seq - b.seq

/** Decides at `now` (epoch ms; `Infinity` once every window has closed, as tests do). */
export function decide(spec: CorrelationSpec, signals: readonly Signal[], now: number): Decision {
  const perMember: Signal[][] = spec.members.map(() => [])
  for (const s of signals) perMember[s.member]?.push(s)
  for (const list of perMember) list.sort(byTime)
  let waitUntil = Number.POSITIVE_INFINITY
  let tried = 0
  const candidates = spec.kind === 'group' ? groupCandidates(spec, perMember) : sequenceCandidates(spec, perMember)
  for (const c of candidates) {
    if (++tried > MAX_CANDIDATES) break
    if (c.absent.some((w) => countIn(perMember[w.member] ?? [], w.from, w.to) >= minOf(spec, w.member)))
      continue
    if (c.decideAt <= now) return { kind: 'fire', signals: c.signals, completedAt: c.completedAt }
    waitUntil = Math.min(waitUntil, c.decideAt)
  }
  return Number.isFinite(waitUntil) ? { kind: 'wait', until: waitUntil } : { kind: 'none' }
}

function minOf(spec: CorrelationSpec, member: number): number {
  return spec.members[member]?.minMatchCount ?? 1
}

/** Signals of a sorted list with `from <= time <= to`. */
function countIn(list: readonly Signal[], from: number, to: number): number {
  let n = 0
  for (const s of list) {
    if (s.time > to) break
    if (s.time >= from) n++
  }
  return n
}

/** The index of a time-sorted list's first signal with `time >= t` (its length if none). */
function firstAtOrAfter(list: readonly Signal[], t: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as Signal).time < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Group candidates in order of completion: at each present signal's time, each present member's
 * latest MinMatchCount signals up to then, if they all fit in the lookback window.
 */
function* groupCandidates(spec: CorrelationSpec, perMember: Signal[][]): Generator<Candidate> {
  const lookback = spec.lookbackMinutes * MINUTE
  const present: number[] = []
  const absent: number[] = []
  spec.members.forEach((m, i) => (m.absence ? absent : present).push(i))
  // A member with too few signals in all can complete nothing: no candidate to walk through.
  if (present.some((i) => (perMember[i] ?? []).length < minOf(spec, i))) return
  const ends = present.flatMap((i) => perMember[i] ?? []).sort(byTime)
  // Per present member, how many of its signals (sorted by time) are at or before the current end:
  // ends only grow, so each count moves forward, and a decision costs its signals, not their square.
  const upTo = present.map(() => 0)
  let lastEnd = Number.NaN
  for (const end of ends) {
    if (end.time === lastEnd) continue
    lastEnd = end.time
    const chosen: Signal[] = []
    let ok = true
    for (let p = 0; p < present.length; p++) {
      const i = present[p] as number
      const list = perMember[i] ?? []
      // A count left behind by an earlier break catches up here.
      let n = upTo[p] as number
      while (n < list.length && (list[n] as Signal).time <= end.time) n++
      upTo[p] = n
      const need = minOf(spec, i)
      if (n < need) {
        ok = false
        break
      }
      chosen.push(...list.slice(n - need, n))
    }
    if (!ok) continue
    const first = Math.min(...chosen.map((s) => s.time))
    if (end.time - first > lookback) continue
    yield {
      signals: chosen.sort(byTime),
      absent: absent.map((member) => ({ member, from: end.time - lookback, to: first + lookback })),
      decideAt: absent.length > 0 ? first + lookback : Number.NEGATIVE_INFINITY,
      completedAt: end.time,
    }
  }
}

/** Sequence candidates: chains of the present steps in order, earliest first. */
function* sequenceCandidates(spec: CorrelationSpec, perMember: Signal[][]): Generator<Candidate> {
  const lookback = spec.lookbackMinutes * MINUTE
  const n = spec.members.length
  const firstAbsent = spec.members[0]?.absence === true
  const lastAbsent = spec.members[n - 1]?.absence === true
  const from = firstAbsent ? 1 : 0
  const to = lastAbsent ? n - 2 : n - 1
  const frame = (t: number): number =>
    (spec.transitions[t]?.withinMinutes ?? spec.lookbackMinutes) * MINUTE
  const chain: Signal[][] = []

  function* step(i: number, prev: number, start: number): Generator<Candidate> {
    if (i > to) {
      const signals = chain.flat()
      const reached = prev
      const absent: Candidate['absent'] = []
      // Nothing to wait for unless a last step must stay absent: fire at once.
      let decideAt = Number.NEGATIVE_INFINITY
      if (firstAbsent) {
        const second = chain[0]?.[0]?.time ?? reached
        absent.push({ member: 0, from: second - frame(0), to: second })
      }
      if (lastAbsent) {
        const end = reached + frame(n - 2)
        absent.push({ member: n - 1, from: reached, to: end })
        decideAt = end
      }
      yield { signals, absent, decideAt, completedAt: reached }
      return
    }
    const list = perMember[i] ?? []
    const need = minOf(spec, i)
    const begin = firstAtOrAfter(list, prev)
    if (begin === list.length) return
    for (let j = begin + need - 1; j < list.length; j++) {
      const t = (list[j] as Signal).time
      if (i > from && t - prev > frame(i - 1)) break
      const used = list.slice(j - need + 1, j + 1)
      const chainStart = i === from ? (used[0] as Signal).time : start
      if (t - chainStart > lookback) {
        // A later first step may start later; a later step of a chain only ends later.
        if (i === from) continue
        break
      }
      chain.push(used)
      yield* step(i + 1, t, chainStart)
      chain.pop()
    }
  }
  yield* step(from, Number.NEGATIVE_INFINITY, 0)
}
