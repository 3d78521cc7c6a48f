/**
 * `tsx bench/profile.ts [--quick]`: where the full in-process path spends its CPU. V8's sampling
 * profiler (through `node:inspector`, no flags needed) records passes of the engine bench's path
 * (decode, validate + enrich, every rule, grouping) over each mix, after a warm-up; the report lists
 * the functions with the most self time, by source file, and the share of each stage's files.
 */
import { Session } from 'node:inspector/promises'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { batches, benignMix, generateMix, type Mix } from './lib/corpus.ts'
import { processBytes } from './lib/pipeline.ts'
import { fmt, QUICK, ROOT, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 4_000 : 40_000
const PASSES = QUICK ? 1 : 5
const TOP = 15

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

/** Where a sample's function lives: a repository path, or V8's own label for native work. */
function placeOf(url: string): string {
  if (url === '') return '(V8: native, GC, idle)'
  if (!url.startsWith('file:')) return url
  const path = relative(ROOT, fileURLToPath(url))
  return path.startsWith('..') ? '(outside the repository)' : path
}

/** The stage a source file belongs to, by folder (the bench's own code is its data setup). */
function stageOf(place: string): string {
  // formats.ts's decodeBody calls JSON.parse, a builtin whose samples count toward its caller.
  if (place === 'src/ingest/formats.ts') return 'JSON.parse of the body (src/ingest/formats.ts)'
  if (place.startsWith('src/ingest/')) return 'ingest checks (src/ingest)'
  if (place.startsWith('src/logtypes/')) return 'validate + enrich (src/logtypes)'
  if (place.startsWith('src/engine/') || place.startsWith('rules/')) return 'rules (src/engine, rules/)'
  if (place.startsWith('src/dedup/')) return 'grouping (src/dedup)'
  if (place.startsWith('node_modules/')) return 'libraries (node_modules)'
  if (place.startsWith('bench/')) return 'bench harness'
  if (place.startsWith('node:')) return 'Node internals (TextDecoder, async hooks, the profiler)'
  return place
}

interface SelfTime {
  samples: number
  stage: string
}

async function profile(mix: Mix): Promise<{ self: Map<string, SelfTime>; total: number }> {
  const work = batches(mix, 2000)
  const pass = async () => {
    for (const b of work) await processBytes(b.logType, b.bytes)
  }
  await pass() // warm-up: compiled code and learned rule indexes, as a running isolate has them
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  for (let i = 0; i < PASSES; i++) await pass()
  const { profile: p } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
  session.disconnect()
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<string, SelfTime>()
  for (const id of p.samples) {
    const frame = byId.get(id)!.callFrame
    const native = frame.url === ''
    const place = placeOf(frame.url)
    const name = native ? frame.functionName || '(program)' : `${frame.functionName || '(anonymous)'} (${place})`
    const entry = self.get(name) ?? { samples: 0, stage: native ? '(V8: JSON.parse, GC, native)' : stageOf(place) }
    entry.samples++
    self.set(name, entry)
  }
  return { self, total: p.samples.length }
}

const mixes: [string, Mix][] = [
  ['test-log mix', generateMix(EVENTS)],
  ['background', await benignMix(EVENTS)],
]
const sections: string[] = []
for (const [name, mix] of mixes) {
  const { self, total } = await profile(mix)
  const pct = (n: number) => `${fmt((n / total) * 100, 1)}%`
  const stages = new Map<string, number>()
  for (const { samples, stage } of self.values()) stages.set(stage, (stages.get(stage) ?? 0) + samples)
  const top = [...self].sort((a, b) => b[1].samples - a[1].samples).slice(0, TOP)
  console.log(`\n${name}: ${total} samples`)
  console.table(top.map(([fn, t]) => [fn, pct(t.samples)]))
  sections.push(
    `**${name}** (${fmt(mix.total)} events × ${PASSES} passes, ${fmt(total)} samples): self time by stage, then the ${TOP} functions with the most self time.`,
    '',
    table(['stage (by source folder)', 'self time'], [...stages].sort((a, b) => b[1] - a[1]).map(([s, n]) => [s, pct(n)])),
    '',
    table(['function (file)', 'self time'], top.map(([fn, t]) => [`\`${fn.replace(/\|/g, '\\|')}\``, pct(t.samples)])),
    '',
  )
}

writeSection(
  'profile',
  'Profile of the full in-process path',
  `npm run bench:profile${QUICK ? ' -- --quick' : ''}`,
  [
    `V8's sampling profiler (200 µs interval, through \`node:inspector\`) over passes of the engine bench's full path (decode, validate + enrich, every rule, grouping) after a warm-up pass. Builtins count toward the function that called them (so \`decodeBody\` in src/ingest/formats.ts stands for V8's \`JSON.parse\` of the body), as do inlined functions; the garbage collector and other native work without a JavaScript caller are counted apart.`,
    '',
    ...sections,
  ].join('\n'),
)
