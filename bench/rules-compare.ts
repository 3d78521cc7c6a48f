/**
 * `tsx bench/rules-compare.ts --against=<checkout> [--rounds=N] [--quick]` (`--no-write` accepted):
 * the rules alone (as `bench:rules` runs them) of this checkout against another checkout's, in one
 * process over the same generated events, their passes interleaved (each round alternates which
 * goes first). Measured one after the other, the same build moves by up to 20-30% on this kind of
 * VM; measured this way both meet the same phases.
 *
 * Each side is its own set of modules (its own rules, indexes and JIT feedback); they share the heap,
 * so a pass may meet the other's garbage: the median of the rounds is the figure, and a checkout of
 * the same commit as the other side gives the noise floor. The other checkout needs its dependencies
 * and its generated rules (`npm ci && npm run build:rules` there). Prints, writes nothing.
 */
import { realpathSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { EnrichedEvent } from '../src/types.ts'
import { batches, benignMix, generateMix, type Mix } from './lib/corpus.ts'
import { numberOption, option, refuseUnknownOptions, requireCheckout } from './lib/options.ts'
import { fmt, median, QUICK, ROOT } from './lib/report.ts'

refuseUnknownOptions('bench:rules-compare', ['--against=', '--rounds=', '--quick', '--no-write'])
const against = option('against')
if (against === undefined) throw new Error('--against=<checkout> names the other side (a git worktree of another commit)')
const OTHER = resolve(against)
requireCheckout(OTHER, [
  ['bench/lib/pipeline.ts', 'it is not a checkout of this project, or predates the benches this compares with'],
  ['node_modules', "run `npm ci` there (or link this checkout's node_modules)"],
  ['src/engine/generated/rules.ts', 'run `npm run build:rules` there'],
])
if (realpathSync(OTHER) === realpathSync(ROOT))
  throw new Error('--against must be another checkout: one set of modules cannot be two sides')
const ROUNDS = numberOption('rounds', QUICK ? 2 : 12)
if (!Number.isInteger(ROUNDS)) throw new Error(`--rounds must be a whole number, not ${ROUNDS}`)
const EVENTS = QUICK ? 10_000 : 100_000
const BATCH = 2000

interface Side {
  name: string
  runRules(logType: string, events: readonly EnrichedEvent[]): { matched: number } | Promise<{ matched: number }>
  prepareBatch(logType: string, bytes: Uint8Array): { accepted: EnrichedEvent[] }
}

async function load(dir: string, name: string): Promise<Side> {
  const url = (path: string) => pathToFileURL(resolve(dir, path)).href
  const engine = (await import(url('src/engine/index.ts'))) as Pick<Side, 'runRules'>
  const pipeline = (await import(url('bench/lib/pipeline.ts'))) as Pick<Side, 'prepareBatch'>
  return { name, runRules: engine.runRules, prepareBatch: pipeline.prepareBatch }
}

type Prepared = { logType: string; events: EnrichedEvent[] }[]

/** One pass of every batch through a side's rules: milliseconds and matches. */
async function pass(side: Side, prepared: Prepared): Promise<{ ms: number; matched: number }> {
  let matched = 0
  const t0 = performance.now()
  for (const b of prepared) {
    let r = side.runRules(b.logType, b.events)
    if (r instanceof Promise) r = await r
    matched += r.matched
  }
  return { ms: performance.now() - t0, matched }
}

async function compare(label: string, mix: Mix, sides: readonly [Side, Side]): Promise<void> {
  const parts = batches(mix, BATCH)
  // Each side validates and enriches the same bytes itself, as its ingest would.
  const prepared = sides.map((side) =>
    parts.map((b) => ({ logType: b.logType, events: side.prepareBatch(b.logType, b.bytes).accepted })),
  ) as [Prepared, Prepared]
  const count = prepared[0].reduce((n, b) => n + b.events.length, 0)
  const warm = [await pass(sides[0], prepared[0]), await pass(sides[1], prepared[1])]
  if (warm[0].matched !== warm[1].matched)
    console.log(`${label}: the two sides match differently (${fmt(warm[0].matched)} and ${fmt(warm[1].matched)} matches per pass)`)
  const times: [number[], number[]] = [[], []]
  const ratios: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0]
    const ms = [0, 0]
    for (const i of order) ms[i] = (await pass(sides[i] as Side, prepared[i] as Prepared)).ms
    times[0].push(ms[0] as number)
    times[1].push(ms[1] as number)
    // Above 1: this checkout took less time than the other.
    ratios.push((ms[1] as number) / (ms[0] as number))
  }
  const eps = (ms: number) => fmt((count / ms) * 1000)
  const pct = (r: number) => `${r >= 1 ? '+' : ''}${fmt((r - 1) * 100, 1)}%`
  console.log(
    `${label} (${fmt(count)} events, ${fmt(warm[0].matched)} matches per pass): this checkout ${eps(median(times[0]))} events/s, ` +
      `${sides[1].name} ${eps(median(times[1]))}; this checkout's speed against the other's, median of ${ROUNDS} rounds: ` +
      `${pct(median(ratios))} (rounds from ${pct(Math.min(...ratios))} to ${pct(Math.max(...ratios))})`,
  )
}

const sides = [await load(ROOT, 'this checkout'), await load(OTHER, OTHER)] as const
await compare('test-log mix', generateMix(EVENTS), sides)
await compare('background', await benignMix(EVENTS), sides)
