/// <reference types="vite/client" />
// The stages of src/ follow the data's way (ingest -> logtypes -> engine -> dedup -> alerts ->
// delivery, with correlation after the engine): a stage imports only itself, earlier stages and the shared modules. Ingest drives a
// request: it parses events into their log types and reaches the later stages only through the
// pipeline's hand-off. The shared modules import no stage; nothing imports the Worker's wiring. An
// import against the way fails here, naming file and import.
import { describe, expect, it } from 'vitest'

const SOURCES = import.meta.glob(['/src/**/*.ts', '/src/**/*.tsx'], { query: '?raw', import: 'default', eager: true })

/** Rank on the data's way; the SDK rules import sits with the engine that runs them. */
const STAGES: Record<string, number> = {
  ingest: 0,
  logtypes: 1,
  engine: 2,
  sdk: 2,
  // After the engine, beside dedup: it reads matches, and hands fired correlations on via the wiring.
  correlation: 2.5,
  dedup: 3,
  alerts: 4,
  delivery: 5,
  // The operator console reads every stage's store and routes.
  console: 6,
}
/** Imported by any stage; they import no stage themselves. */
const SHARED = new Set(['types.ts', 'config', 'http', 'env.d.ts', 'object-call.ts', 'log.ts', 'storage-stats.ts', 'counting-sql.ts', 'table-rebuild.ts'])

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g

/** The stage folder or top-level file of a path under /src (an import may omit `.ts`). */
function areaOf(path: string): string {
  if (!path.startsWith('/src/')) return path.split('/')[1] ?? path
  const rest = path.slice('/src/'.length)
  if (rest.includes('/')) return rest.slice(0, rest.indexOf('/'))
  return rest in STAGES || SHARED.has(rest) || /\.tsx?$/.test(rest) ? rest : `${rest}.ts`
}

function resolve(from: string, spec: string): string {
  const parts = from.split('/').slice(0, -1)
  for (const part of spec.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.') parts.push(part)
  }
  return parts.join('/')
}

function violation(file: string, target: string): string | null {
  const from = areaOf(file)
  const to = areaOf(target)
  if (from === to || from === 'worker') return null
  // The generated rule index bundles the rule modules.
  if (to === 'rules') return file.startsWith('/src/engine/generated/') ? null : 'only the rule index imports rules/'
  if (to === 'worker') return 'nothing imports the Worker wiring'
  if (SHARED.has(from)) return SHARED.has(to) ? null : 'a shared module imports no stage'
  if (SHARED.has(to)) return null
  if (to === 'pipeline.ts') return from === 'ingest' ? null : 'only ingest hands batches to the pipeline'
  if (from === 'ingest' && to === 'logtypes') return null
  if (from === 'pipeline.ts') return null
  const a = STAGES[from]
  const b = STAGES[to]
  if (a === undefined) return `${from} is not a known stage: add it to this test's order`
  if (b === undefined) return `${to} is not a known stage: add it to this test's order`
  return b <= a ? null : `${from} must not import the later stage ${to}`
}

describe('src/ layout', () => {
  it('has the stage folders and their sources', () => {
    const areas = new Set(Object.keys(SOURCES).map(areaOf))
    for (const stage of Object.keys(STAGES)) expect(areas).toContain(stage)
  })

  it('no import runs against the data’s way', () => {
    const found: string[] = []
    for (const [file, text] of Object.entries(SOURCES)) {
      for (const m of (text as string).matchAll(IMPORT)) {
        const spec = m[1] as string
        const why = violation(file, resolve(file, spec))
        if (why !== null) found.push(`${file}: '${spec}': ${why}`)
      }
    }
    expect(found).toEqual([])
  })

  it('rules import only the SDK', () => {
    const rules = import.meta.glob('/rules/**/*.ts', { query: '?raw', import: 'default', eager: true })
    const found: string[] = []
    for (const [file, text] of Object.entries(rules)) {
      for (const m of (text as string).matchAll(/from\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string
        if (spec !== '#sdk' && !spec.startsWith('./')) found.push(`${file}: '${spec}'`)
      }
    }
    expect(Object.keys(rules).length).toBeGreaterThan(100)
    expect(found).toEqual([])
  })
})
