/**
 * Every regular expression and parser that reads event text runs in time linear in its length:
 * 1 MB adversarial strings (the shapes that make backtracking regexes quadratic: `a@` and a run of
 * dots, a run of digits ending badly, a long dotless name, a repeated `:assumed-role/`) go through each
 * path and through every rule with every string field of its test events replaced. A quadratic path
 * takes minutes on 1 MB, far past these tests' timeouts; linear ones take milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { decodeBody } from '../../../src/ingest/formats'
import { validateBatch } from '../../../src/ingest/batch'
import { getLogType } from '../../../src/logtypes'
import { isEmailAddress, IndicatorSink } from '../../../src/logtypes/indicators'
import { isDecimalText } from '../../../src/logtypes/fields'
import { toNumber } from '../../../src/engine/detection/text'
import { allRules, dataModelFor } from '../../../src/engine/index'
import { RULE_TESTS } from '../../../src/engine/generated/rule-tests'
import type { JsonObject, JsonValue } from '../../../src/types'
import {
  isIpAddress,
  isIpInNetwork,
  linearRegExp,
  patternMatch,
  policyIsInternetAccessible,
  resolveTimestampString,
} from '#sdk'
import { runRuleTest } from '../../../tools/rules/testing'
import { FUZZED_LOG_TYPES, longRunTotal } from '../../support/fuzz'
import { post } from '../../support/ingest'

const MB = 1 << 20

/** Adversarial 1 MB strings, each the worst case of some backtracking pattern. */
const SHAPES: readonly string[] = [
  `a@${'.'.repeat(MB)} `,
  `${'1'.repeat(MB)}x`,
  `${'a'.repeat(MB)}!`,
  `${':assumed-role/'.repeat(MB / 14)}!`,
  `arn:aws:iam::${'1'.repeat(MB)}:`,
  `${' '.repeat(MB)}x`,
  `${'a.'.repeat(MB / 2)}@`,
  `${'1:'.repeat(MB / 2)}g`,
  `2024-01-15T14:23:45.${'1'.repeat(MB)}x`,
  `arn:aws:sts::123456789012:assumed-role/${'/i-'.repeat(MB / 3)}`,
]

const TIMEOUT = 60_000

describe('event-text paths are linear on 1 MB adversarial strings', () => {
  it(
    'indicators: e-mail, IP address, username',
    () => {
      for (const s of SHAPES) {
        expect(isEmailAddress(s)).toBe(false)
        isIpAddress(s)
        const sink = new IndicatorSink()
        sink.username(s)
        sink.email(s)
        sink.ip(s)
        sink.hostname(s)
      }
      expect(isEmailAddress('a@b.co')).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'numbers in typed fields and detection comparisons',
    () => {
      for (const s of SHAPES) {
        expect(isDecimalText(s)).toBe(false)
        expect(toNumber(s)).toBeUndefined()
      }
      expect(toNumber(` ${'1'.repeat(20)} `)).toBe(Number('1'.repeat(20)))
    },
    TIMEOUT,
  )

  it(
    'SDK helpers: IAM policy principals and conditions, fnmatch patterns, networks, timestamps, RE2',
    () => {
      for (const s of SHAPES) {
        const statement = { Effect: 'Allow', Principal: { AWS: [s], Service: s } }
        policyIsInternetAccessible({ Statement: [statement] })
        const conditioned = { ...statement, Principal: '*', Condition: { StringEquals: { 'aws:SourceArn': s } } }
        policyIsInternetAccessible({ Statement: conditioned })
        patternMatch(s, '*a*a*a*a*b')
        patternMatch(s, '*.amazonaws.com')
        patternMatch(s, '[a-z]*?[!x]')
        isIpInNetwork(s, ['10.0.0.0/8'])
        resolveTimestampString(s)
        linearRegExp(':assumed-role/.+/i-[0-9a-f]+$').test(s)
      }
    },
    TIMEOUT,
  )

  it(
    'every log type decodes, validates and extracts indicators from events made of such strings',
    () => {
      for (const logType of FUZZED_LOG_TYPES) {
        const type = getLogType(logType)!
        for (const s of SHAPES) {
          const text = JSON.stringify([eventOf(logType, s)])
          const decoded = decodeBody(text, 'json', type.acceptsCsv, { maxBodyBytes: 16 * MB, maxEventsPerBatch: 10 })
          validateBatch(type, decoded, { id: 't', label: 't' } as Parameters<typeof validateBatch>[2], 64)
        }
      }
    },
    TIMEOUT * 2,
  )
})

/** An event of `logType` whose free-text fields (names, addresses, ARNs, numbers as text) are `s`. */
function eventOf(logType: string, s: string): JsonObject {
  if (logType === 'AWS.CloudTrail') {
    return {
      eventName: 'ConsoleLogin',
      eventTime: '2024-01-15T14:23:45Z',
      eventSource: s,
      sourceIPAddress: s,
      userAgent: s,
      userIdentity: { type: 'IAMUser', userName: s, arn: s, principalId: s, accountId: s },
      requestParameters: { policyDocument: s, name: s, email: s },
      resources: [{ ARN: s, accountId: s }],
    }
  }
  return {
    EVENT_TYPE: logType === 'Salesforce.RealtimeEvent' ? 'LoginEvent' : logType.slice('Salesforce.'.length),
    TIMESTAMP_DERIVED: '2024-01-15T14:23:45.123Z',
    ORGANIZATION_ID: '00D1',
    USER_ID: s,
    DELEGATED_USER_ID: s,
    URI: s,
    USERNAME: s,
    USER_NAME: s,
    SOURCE_IP: s,
    CLIENT_IP: s,
    RUN_TIME: s,
    SCORE: s,
    ROWS_PROCESSED: s,
  }
}

/** Paths to the string leaves of a test event (not `p_log_type`, which picks the data model). */
function stringPaths(value: JsonValue, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (typeof value === 'string') {
    if (path.length !== 1 || path[0] !== 'p_log_type') out.push(path)
  } else if (Array.isArray(value)) value.forEach((v, i) => stringPaths(v, [...path, i], out))
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) stringPaths(v, [...path, k], out)
  }
  return out
}

/** A copy of `log` (cloned while it holds only test-sized strings) with the leaves at `paths` set to `s`. */
function withLeaves(log: JsonObject, paths: readonly (string | number)[][], s: string): JsonObject {
  const copy = structuredClone(log)
  for (const path of paths) {
    let cur = copy as Record<string | number, JsonValue>
    for (const step of path.slice(0, -1)) cur = cur[step] as Record<string | number, JsonValue>
    cur[path[path.length - 1] as string | number] = s
  }
  return copy
}

/**
 * Every rule, its first test event with each string field in turn set to one of the shapes (in
 * rotation) and then all of them set to each shape: 256 KB here, where a quadratic path costs
 * seconds per call (the per-rule timeout) and a linear one milliseconds.
 */
const RULE_SHAPES = SHAPES.map((s) => s.slice(0, 1 << 18) + s.slice(-1))

/**
 * `npm test` sweeps the rules whose code holds a regular expression or calls a pattern helper
 * (fnmatch, IAM policy) and every tenth other rule; `npm run fuzz` sweeps them all.
 */
const PATTERN_RULES = new Set([
  'AWS.CloudTrail.IMDSCredentialExfiltration',
  'AWS.CloudTrail.ResourceMadePublic',
  'AWS.CloudTrail.SecurityConfigurationChange',
  'AWS.CloudTrail.VPCE.SensitiveAPICalls',
  'AWS.EC2.ManualSecurityGroupChange',
  'AWS.ECR.CRUD',
  'AWS.IAM.BackdoorRole',
  'AWS.LAMBDA.CRUD',
  'AWS.Macie.Evasion',
  'AWS.S3.RansomwareNoteUpload',
  'Salesforce.BulkAPI.DataExfiltration',
  'Standard.GreyNoiseV3.MaliciousIP',
  'AWS.CloudTrail.IAMEntityCreatedWithoutCloudFormation',
])
const swept = allRules().filter((r, i) => longRunTotal() > 0 || PATTERN_RULES.has(r.id) || i % 10 === 0)

describe('every rule is linear in the length of the event text it reads', () => {
  for (const rule of swept) {
    const test = (RULE_TESTS[rule.id] ?? [])[0]
    if (test === undefined) continue
    it(`${rule.id}`, async () => {
      const paths = stringPaths(test.log)
      const logs = [
        ...paths.map((path, i) => withLeaves(test.log, [path], RULE_SHAPES[i % RULE_SHAPES.length]!)),
        ...RULE_SHAPES.map((s) => withLeaves(test.log, paths, s)),
      ]
      // The outcome is not the point (most of these no longer pass); finishing is.
      for (const log of logs) await runRuleTest(rule, { ...test, log }, dataModelFor)
    }, 10_000)
  }
})

describe('through the Worker', () => {
  it(
    'a CloudTrail userName and a Salesforce USERNAME of `a@` and 300,000 dots answer 200',
    async () => {
      const name = `a@${'.'.repeat(300_000)} `
      const ct = await post(
        'AWS.CloudTrail',
        JSON.stringify([{ eventName: 'ConsoleLogin', eventTime: '2024-01-15T14:23:45Z', eventSource: 'signin.amazonaws.com', userIdentity: { type: 'IAMUser', userName: name } }]),
      )
      expect(ct.status).toBe(200)
      expect(ct.body.accepted).toBe(1)
      const sf = await post(
        'Salesforce.RealtimeEvent',
        JSON.stringify([{ EVENT_TYPE: 'ApiAnomalyEventStore', TIMESTAMP_DERIVED: '2024-01-15T14:23:45.123Z', USERNAME: name }]),
      )
      expect(sf.status).toBe(200)
      expect(sf.body.accepted).toBe(1)
    },
    TIMEOUT,
  )
})
