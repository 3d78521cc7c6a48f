/**
 * The benchmark data: the rules' YAML test logs (AWS CloudTrail and Salesforce, whatever ingest
 * accepts) as the seed, and a seeded generator that varies ids, addresses, names and times so the
 * engine never sees the same event twice. Deterministic for a given seed.
 */
import { allRules } from '../../src/engine/index.ts'
import { RULE_TESTS } from '../../src/engine/generated/rule-tests.ts'
import { DEFAULT_SOURCE } from '../../src/ingest/source.ts'
import { BatchEnricher, getLogType, type EventProblem } from '../../src/logtypes/index.ts'
import type { EnrichedEvent, JsonObject } from '../../src/types.ts'

/** A small fast PRNG (mulberry32): the same seed gives the same data on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SeedLog {
  logType: string
  log: JsonObject
}

/** The test logs of every rule whose log type ingest accepts, kept only if ingest accepts them. */
export function seedLogs(): SeedLog[] {
  const out: SeedLog[] = []
  for (const rule of allRules()) {
    const known = rule.spec.logTypes.filter((t) => getLogType(t) !== undefined)
    if (known.length === 0) continue
    for (const test of RULE_TESTS[rule.id] ?? []) {
      const declared = test.log.p_log_type
      const logType =
        typeof declared === 'string' && getLogType(declared) !== undefined ? declared : known[0]!
      const log = structuredClone(test.log)
      for (const key of Object.keys(log)) if (key.startsWith('p_')) delete log[key]
      if (accepts(logType, structuredClone(log))) out.push({ logType, log })
    }
  }
  return out
}

function accepts(logType: string, log: JsonObject): boolean {
  const enricher = new BatchEnricher(getLogType(logType)!, DEFAULT_SOURCE, 64)
  const problems: EventProblem[] = []
  return enricher.process(log, problems) !== undefined
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/
const ID_KEY = /(^|_)(id|eventid|requestid|sessionkey|session_key|loginkey|login_key)$|Id$|ID$/
const NAME_KEY = /^(username|user_name|username_normalized|userName|USER_NAME|name)$/i
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy']
const ACCOUNT_KEY = /account/i
const DIGITS = '0123456789'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = LOWER.toUpperCase()
const BASE_TIME = Date.UTC(2026, 10, 1)

/** Varies one seed log: new ids of the same shape, other addresses and user names, a later time. */
export class Generator {
  private readonly rand: () => number
  constructor(seed: number) {
    this.rand = prng(seed)
  }

  vary(log: JsonObject): JsonObject {
    return this.value(log, '') as JsonObject
  }

  private value(v: unknown, key: string): unknown {
    if (typeof v === 'string') return this.string(v, key)
    if (Array.isArray(v)) return v.map((x) => this.value(x, key))
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x, k)
      return out
    }
    return v
  }

  private string(s: string, key: string): string {
    const r = this.rand
    if (IPV4.test(s)) {
      // Keep private ranges private and public ones public (rules tell them apart).
      const [a, b] = s.split('.')
      return `${a}.${b}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`
    }
    const t = ISO_TIME.exec(s)
    if (t !== null) {
      const ms = BASE_TIME + Math.floor(r() * 30 * 86_400_000)
      return new Date(ms).toISOString().replace(/\.\d{3}Z$/, t[7] ? '.000Z' : 'Z')
    }
    // Account ids stay: they tie a principal to its ARN and to the recipient account.
    if (ID_KEY.test(key) && !ACCOUNT_KEY.test(key) && s.length >= 6 && s.length <= 64) {
      if (s.includes(':')) return s
      let out = ''
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c >= 48 && c <= 57) out += DIGITS[Math.floor(r() * 10)]
        else if (c >= 97 && c <= 122) out += LOWER[Math.floor(r() * 26)]
        else if (c >= 65 && c <= 90) out += UPPER[Math.floor(r() * 26)]
        else out += s[i]
      }
      return out
    }
    if (NAME_KEY.test(key) && s.length > 0 && !s.includes(' '))
      return NAMES[Math.floor(r() * NAMES.length)]! + (r() < 0.5 ? '' : String(Math.floor(r() * 100)))
    return s
  }
}

export interface Mix {
  /** Raw events per log type, in generated order. */
  byType: Map<string, JsonObject[]>
  total: number
  seeds: number
}

/**
 * `count` events cycling the seed logs (so the mix follows the corpus: mostly CloudTrail, some
 * Salesforce), every one varied by the generator.
 */
export function generateMix(count: number, seed = 8): Mix {
  const seeds = seedLogs()
  const gen = new Generator(seed)
  const byType = new Map<string, JsonObject[]>()
  for (let i = 0; i < count; i++) {
    const s = seeds[i % seeds.length]!
    append(byType, s.logType, gen.vary(s.log))
  }
  return { byType, total: count, seeds: seeds.length }
}

function append(byType: Map<string, JsonObject[]>, logType: string, log: JsonObject): void {
  const list = byType.get(logType)
  if (list === undefined) byType.set(logType, [log])
  else list.push(log)
}

/** A batch as a sender would post it: a JSON array, UTF-8. */
export function serialize(events: readonly JsonObject[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(events))
}

/** Splits each log type's events into batches of at most `size`, serialized. */
export function batches(mix: Mix, size: number): { logType: string; bytes: Uint8Array; count: number }[] {
  const out: { logType: string; bytes: Uint8Array; count: number }[] = []
  for (const [logType, events] of mix.byType) {
    for (let i = 0; i < events.length; i += size) {
      const part = events.slice(i, i + size)
      out.push({ logType, bytes: serialize(part), count: part.length })
    }
  }
  return out
}

/**
 * Matching traffic as a CloudTrail forwarder posts it: the mix's CloudTrail events in `Records`
 * files of `size` (each keyed by its digest by ingest). Send them with `freshTrailFile`.
 */
export function trailFiles(mix: Mix, size: number): string[] {
  const events = mix.byType.get('AWS.CloudTrail') ?? []
  const files: string[] = []
  for (let i = 0; i + size <= events.length; i += size) files.push(JSON.stringify({ Records: events.slice(i, i + size) }))
  if (files.length === 0) throw new Error(`the mix has fewer than ${size} CloudTrail events`)
  return files
}

/**
 * The n-th file to send: the files in turn, each round with its own eventID prefix, so the engine
 * never sees the same file or eventID twice (the dedup strings repeat from round to round).
 */
export function freshTrailFile(files: readonly string[], n: number): string {
  const round = Math.floor(n / files.length)
  const text = files[n % files.length] as string
  return round === 0 ? text : text.replaceAll('"eventID":"', `"eventID":"r${round}-`)
}

/**
 * Background traffic, as a real feed mostly is: generated events from the seed logs on which no loaded
 * rule fired in any of three varied copies (checked by running the engine on enriched copies). A
 * variation can still make one match now and then; the HTTP bench reports the matches it saw.
 */
export async function benignMix(count: number, seed = 8): Promise<Mix> {
  const { runRules } = await import('../../src/engine/index.ts')
  const gen = new Generator(seed)
  const benign: SeedLog[] = []
  for (const s of seedLogs()) {
    const enricher = new BatchEnricher(getLogType(s.logType)!, DEFAULT_SOURCE, 64)
    const copies = [0, 1, 2].map(() => enricher.process(gen.vary(s.log), []))
    if (copies.some((c) => c === undefined)) continue
    let run = runRules(s.logType, copies as EnrichedEvent[])
    if (run instanceof Promise) run = await run
    if (run.matches.length === 0) benign.push(s)
  }
  const byType = new Map<string, JsonObject[]>()
  for (let i = 0; i < count; i++) {
    const s = benign[i % benign.length]!
    append(byType, s.logType, gen.vary(s.log))
  }
  return { byType, total: count, seeds: benign.length }
}
