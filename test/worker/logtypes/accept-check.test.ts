import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { getLogType, knownLogTypes } from '../../../src/logtypes'
import { compileAcceptCheck } from '../../../src/logtypes/accept-check'
import corpus from '../../fixtures/ingest/corpus-test-logs.json'

// Values of every JSON kind, plus near misses for typed fields.
const value = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('Login'),
  fc.constant('LoginAs'),
  fc.array(
    fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.integer(),
      fc.dictionary(
        fc.constantFrom('arn', 'ARN', 'accountId'),
        fc.oneof(fc.string(), fc.integer()),
      ),
    ),
    { maxLength: 3 },
  ),
  fc.dictionary(
    fc.constantFrom(
      'arn',
      'type',
      'sessionContext',
      'sessionIssuer',
      'attributes',
      'mfaAuthenticated',
      'x',
    ),
    fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(
        fc.constantFrom('arn', 'attributes', 'sessionIssuer', 'webIdFederationData'),
        fc.oneof(
          fc.string(),
          fc.integer(),
          fc.dictionary(fc.string({ maxLength: 3 }), fc.string()),
        ),
      ),
    ),
    { maxKeys: 4 },
  ),
)

function fieldNames(schema: v.GenericSchema): string[] {
  return Object.keys((schema as unknown as { entries: Record<string, unknown> }).entries)
}

describe('compiled accept check agrees with valibot', () => {
  for (const name of knownLogTypes()) {
    const logType = getLogType(name)!
    const accepts = compileAcceptCheck(logType.schema)
    const names = [...fieldNames(logType.schema), 'extra', 'p_log_type']

    it(`${name}: whatever it accepts, valibot accepts (random events)`, () => {
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 8 }), (event) => {
          if (accepts(event)) expect(v.is(logType.schema, event)).toBe(true)
        }),
        { numRuns: 3000 },
      )
    })
  }

  it('valid corpus events take the fast path (it is not a check that always says no)', () => {
    let fast = 0
    for (const entry of corpus as { logType: string; log: Record<string, unknown> }[]) {
      const logType = getLogType(entry.logType)!
      const event = logType.prepare(structuredClone(entry.log))
      if (compileAcceptCheck(logType.schema)(event)) fast++
    }
    expect(fast).toBe(corpus.length)
  })
})
