/**
 * The build-time compiled enrich functions (src/logtypes/generated/) are equivalent to the
 * interpreted path they replace on the hot path (nesting-depth check, valibot, the log type's field
 * tables read at run time): over the corpus of Panther rule test logs, the corpus logs with fields
 * replaced by hostile values, and generated events (prototype-named keys, `p_` keys, wrong types,
 * arrays where objects belong, nesting around the depth limit, huge strings), both accept and reject
 * the same events, produce the same enriched event (same keys in the same order, same `p_` fields,
 * same `p_any_*` arrays) and report the same problems.
 */
import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { getLogType, knownLogTypes, type EventProblem } from '../../../src/logtypes'
import { BatchEnricher } from '../../../src/logtypes/enrich'
import { COMPILED_ENRICH } from '../../../src/logtypes/generated/compiled'
import generatedText from '../../../src/logtypes/generated/compiled.ts?raw'
import { LOG_TYPE_LIST } from '../../../src/logtypes/registry'
import type { LogType } from '../../../src/logtypes/log-type'
import { generateCompiledModule } from '../../../tools/logtypes/generate'
import corpus from '../../fixtures/ingest/corpus-test-logs.json'

interface CorpusEntry {
  rule: string
  logType: string
  log: Record<string, unknown>
}
const CORPUS = corpus as CorpusEntry[]
const SOURCE = { id: 'src-1', label: 'Source one' }
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
/** Thousands of events per property: seconds on a loaded machine, beyond the 5 s default. */
const PROPERTY_TIMEOUT = 60_000

interface Outcome {
  /** JSON text of the enriched event (key order included), or undefined when rejected. */
  event: string | undefined
  problems: EventProblem[]
}

/** One event through a fresh enricher; the batch's random row id prefix is cut off. */
function run(logType: string, text: string, maxDepth: number, compiled: boolean): Outcome {
  const enricher = new BatchEnricher(getLogType(logType)!, SOURCE, maxDepth, NOW, { compiled })
  const problems: EventProblem[] = []
  const value = JSON.parse(text) as Record<string, unknown>
  const event = enricher.process(value, problems)
  if (event === undefined) return { event: undefined, problems }
  const row = event.p_row_id
  expect(row).toMatch(/^[0-9a-f]{32}$/)
  event.p_row_id = row.slice(24)
  return { event: JSON.stringify(event), problems }
}

function expectSame(logType: string, text: string, maxDepth = 64): Outcome {
  const fast = run(logType, text, maxDepth, true)
  const reference = run(logType, text, maxDepth, false)
  expect(fast.problems).toEqual(reference.problems)
  expect(fast.event).toBe(reference.event)
  return fast
}

/** Whether the compiled function itself took the event (no fallback). */
function compiledTakes(logType: string, text: string): boolean {
  const type = getLogType(logType)!
  const enricher = new BatchEnricher(type, SOURCE, 64, NOW)
  const prepared = type.prepare(JSON.parse(text) as Record<string, unknown>)
  if (!(prepared instanceof Object) || 'message' in prepared) return false
  return COMPILED_ENRICH.get(logType)!(prepared as Record<string, unknown>, enricher)
}

// A JSON document as a tree, serialised by hand: an object literal would turn a `__proto__` key
// into a prototype, JSON.parse makes it an own key as a sender's body does.
type Json = string | number | boolean | null | Json[] | { pairs: [string, Json][] }

function toText(node: Json): string {
  if (Array.isArray(node)) return `[${node.map(toText).join(',')}]`
  if (node !== null && typeof node === 'object')
    return `{${node.pairs.map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(',')}}`
  return JSON.stringify(node)
}

function fromValue(value: unknown): Json {
  if (Array.isArray(value)) return value.map(fromValue)
  if (value !== null && typeof value === 'object')
    return { pairs: Object.entries(value).map(([k, v]) => [k, fromValue(v)]) }
  return value as Json
}

function nest(levels: number, leaf: Json): Json {
  let node = leaf
  for (let i = 0; i < levels; i++) node = i % 2 ? [node] : { pairs: [['a', node]] }
  return node
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']
const P_KEYS = ['p_log_type', 'p_any_ip_addresses', 'p_enrichment', 'p_udm', 'p_row_id', 'p_']
const INDICATOR_KEYS = ['arn', 'ARN', 'accountId', 'instanceId', 'tags', 'publicIp', 'domain', 'key', 'value']
const STRINGS = [
  '10.0.0.1',
  '2001:db8::1',
  'example.com',
  '123456789012',
  '210987654321',
  '111122223333',
  'i-0abc',
  'i-0def',
  'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc',
  'arn:aws:sts::123456789012:assumed-role/r/alice@example.com',
  'arn:aws:iam::444455556666:user/bob',
  'bob@example.org',
  'alice@example.com',
  '2024-01-15T14:23:45Z',
  '2024-02-30 10:00:00',
  '20240115142345.123',
  'true',
  '1',
  '',
  ' ',
  'Login',
]
const HUGE = ['x'.repeat(200_000), `arn:aws:iam::123456789012:${'a'.repeat(100_000)}`, `${'1'.repeat(50_000)}x`]

function keyArb(names: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS, ...P_KEYS, ...INDICATOR_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  )
}

function jsonArb(names: readonly string[]): fc.Arbitrary<Json> {
  const { tree } = fc.letrec<{ tree: Json }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom<Json>(...STRINGS),
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('tree'), { maxLength: 3 }),
      fc
        .array(fc.tuple(keyArb(names), tie('tree')), { maxLength: 4 })
        .map((pairs) => ({ pairs })),
    ),
  }))
  return fc.oneof(
    { weight: 12, arbitrary: tree },
    { weight: 1, arbitrary: fc.constantFrom<Json>(...HUGE) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 70 }), tree).map(([n, leaf]) => nest(n, leaf)),
    },
  )
}

/** The parts of a valibot schema object the generator below reads. */
interface SchemaNode {
  type: string
  wrapped?: SchemaNode
  options?: unknown[]
  item?: SchemaNode
  entries?: Record<string, SchemaNode>
}

/**
 * Events shaped by the log type's own schema: mostly valid values at every level (so events reach
 * deep into the compiled code and are accepted), now and then a wrong or hostile value, plus extra
 * keys (prototype names, `p_` fields, indicator keys) in every object.
 */
function schemaArb(
  node: SchemaNode,
  names: readonly string[],
  present: number,
): fc.Arbitrary<Json> {
  const valid = ((): fc.Arbitrary<Json> => {
    switch (node.type) {
      case 'string':
        return fc.oneof(fc.constantFrom(...STRINGS), fc.string({ maxLength: 6 }))
      case 'number':
        return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
      case 'boolean':
        return fc.boolean()
      case 'picklist':
        return fc.constantFrom(...(node.options as string[]))
      case 'optional':
        return schemaArb(node.wrapped!, names, present)
      case 'nullish':
        return fc.oneof({ weight: 8, arbitrary: schemaArb(node.wrapped!, names, present) }, { weight: 1, arbitrary: fc.constant(null) })
      case 'union':
        return fc.oneof(...(node.options as SchemaNode[]).map((o) => schemaArb(o, names, present)))
      case 'array':
        return fc.array(schemaArb(node.item!, names, present), { maxLength: 3 })
      case 'loose_object': {
        // Optional fields are present `present` times in 10, required ones nearly always.
        const fields = Object.entries(node.entries!).map(([k, n]) => {
          const optional = ['optional', 'nullish'].includes(n.type)
          return fc.oneof(
            { weight: optional ? 10 - present : 1, arbitrary: fc.constant(undefined) },
            {
              weight: optional ? present : 30,
              arbitrary: schemaArb(n, names, present).map((v): [string, Json] => [k, v]),
            },
          )
        })
        const extra = fc.array(fc.tuple(keyArb(names), jsonArb(names)), { maxLength: 2 })
        return fc
          .tuple(fc.tuple(...fields), extra)
          .map(([known, more]): Json => ({
            pairs: [...known.filter((f): f is [string, Json] => f !== undefined), ...more],
          }))
      }
      default:
        return jsonArb(names)
    }
  })()
  return fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: jsonArb(names) })
}

/** Field names at every level of the log type's schema, from the corpus logs and the schema. */
function namesOf(logType: string): string[] {
  const names = new Set<string>()
  const schema = getLogType(logType)!.schema as unknown as { entries: Record<string, unknown> }
  for (const k of Object.keys(schema.entries)) names.add(k)
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v !== null && typeof v === 'object')
      for (const [k, c] of Object.entries(v)) {
        names.add(k)
        walk(c)
      }
  }
  for (const e of CORPUS) if (e.logType === logType) walk(e.log)
  names.add('EVENT_TYPE')
  return [...names]
}

/** Every path to a value inside a JSON tree (for replacing one). */
function paths(node: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at)
  if (Array.isArray(node)) node.forEach((c, i) => paths(c, [...at, i], out))
  else if (node !== null && typeof node === 'object')
    node.pairs.forEach(([, c], i) => paths(c, [...at, i], out))
  return out
}

function replaceAt(node: Json, path: readonly (string | number)[], value: Json): Json {
  if (path.length === 0) return value
  const [head, ...rest] = path as [number, ...number[]]
  if (Array.isArray(node)) return node.map((c, i) => (i === head ? replaceAt(c, rest, value) : c))
  if (node !== null && typeof node === 'object')
    return { pairs: node.pairs.map(([k, c], i) => [k, i === head ? replaceAt(c, rest, value) : c]) }
  return node
}

describe('compiled enrich functions', () => {
  it('exist for every log type, and the generated module is what the generator writes today', () => {
    expect([...COMPILED_ENRICH.keys()].sort()).toEqual(knownLogTypes())
    expect(generatedText).toBe(generateCompiledModule(LOG_TYPE_LIST))
  })

  it('agree with the interpreted path on every corpus log, and take nearly all of them themselves', () => {
    let accepted = 0
    let compiled = 0
    for (const entry of CORPUS) {
      const text = JSON.stringify(entry.log)
      const out = expectSame(entry.logType, text)
      if (out.event !== undefined) accepted++
      if (compiledTakes(entry.logType, text)) compiled++
    }
    // Not a check that always declines: the corpus logs ingest accepts go the compiled way.
    expect(accepted).toBeGreaterThan(CORPUS.length * 0.9)
    expect(compiled).toBe(accepted)
  })

  it('agree on corpus logs with one value replaced by a hostile one (any depth limit)', () => {
    const entries = CORPUS.map((e) => ({ logType: e.logType, tree: fromValue(e.log) }))
    fc.assert(
      fc.property(
        fc.constantFrom(...entries).chain((e) =>
          fc.record({
            entry: fc.constant(e),
            path: fc.constantFrom(...paths(e.tree).slice(1)),
            value: jsonArb(namesOf(e.logType)),
            maxDepth: fc.oneof(fc.constant(64), fc.integer({ min: 1, max: 8 })),
          }),
        ),
        ({ entry, path, value, maxDepth }) => {
          expectSame(entry.logType, toText(replaceAt(entry.tree, path, value)), maxDepth)
        },
      ),
      { numRuns: 1500 },
    )
  }, PROPERTY_TIMEOUT)

  for (const logType of knownLogTypes()) {
    it(`${logType}: agree on generated events (hostile keys, wrong types, deep, huge)`, () => {
      const names = namesOf(logType)
      const top = fc.oneof(
        // Ingest hands the log type JSON objects only.
        fc
          .integer({ min: 1, max: 9 })
          .chain((present) => schemaArb(getLogType(logType)!.schema as unknown as SchemaNode, names, present))
          .filter(
          (e) => e !== null && typeof e === 'object' && !Array.isArray(e),
        ),
        fc.array(fc.tuple(keyArb(names), jsonArb(names)), { maxLength: 10 }).map((pairs): Json => ({ pairs })),
      )
      // Salesforce.RealtimeEvent also comes as a streaming envelope whose payload is copied out.
      const event =
        logType === 'Salesforce.RealtimeEvent'
          ? fc.oneof(
              top,
              top.map((payload): Json => ({
                pairs: [
                  ['channel', '/event/LoginEvent'],
                  ['data', { pairs: [['payload', payload]] }],
                ],
              })),
            )
          : top
      let accepted = 0
      fc.assert(
        fc.property(event, fc.oneof(fc.constant(64), fc.integer({ min: 1, max: 8 })), (e, maxDepth) => {
          if (expectSame(logType, toText(e), maxDepth).event !== undefined) accepted++
        }),
        { numRuns: 3000 },
      )
      // Both outcomes are exercised, not only rejections.
      expect(accepted).toBeGreaterThan(300)
    }, PROPERTY_TIMEOUT)
  }

  it('decline without touching the event, so a rejected event keeps its input p_ fields and names the field', () => {
    const text = '{"eventName":"x","p_log_type":"Other","userIdentity":{"arn":7}}'
    const out = expectSame('AWS.CloudTrail', text)
    expect(out.event).toBeUndefined()
    expect(out.problems).toEqual([{ path: 'userIdentity.arn', message: 'expected string, got 7' }])
  })

  it('fail the build naming the log type and field they cannot compile (docs/log-types.md)', () => {
    const example = (schema: v.GenericSchema, indicatorFields: LogType['indicatorFields'] = []): LogType => ({
      name: 'Example.Log',
      schema: schema as LogType['schema'],
      acceptsCsv: false,
      prepare: (event) => event,
      eventTimeFields: [],
      indicatorFields,
    })
    expect(() => generateCompiledModule([example(v.looseObject({ when: v.date() }))])).toThrow(
      'Example.Log: when: valibot schema kind "date" is not compiled: add it to tools/logtypes/generate.ts',
    )
    const user = v.looseObject({ user: v.looseObject({ name: v.string() }) })
    expect(() =>
      generateCompiledModule([example(user, [{ path: 'user.name.first', kind: 'username' }])]),
    ).toThrow('Example.Log: user.name: an indicator path goes into this field, which is a string, not an object')
    expect(() =>
      generateCompiledModule([example(user, [{ path: 'user.constructor', kind: 'username' }])]),
    ).toThrow('the key "constructor" is a member of every object')
    // What it can compile, it compiles with nothing else written by hand.
    expect(generateCompiledModule([example(user, [{ path: 'user.name', kind: 'username' }])])).toContain(
      'function enrich_Example_Log(',
    )
  })
})
