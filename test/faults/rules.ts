/**
 * Test-only rules for the fault tests and the rule CPU budget tests, added through the engine's
 * `addRules` (never bundled from rules/). They react only to CloudTrail events whose eventName starts
 * with `Faults`, so the catalog's rules are unaffected.
 */
import type { PantherEvent, RuleModule } from '../../src/sdk/rule-api'
import type { GeneratedRule, RuleSpec } from '../../src/engine/rule'

function spec(
  ruleId: string,
  dedupPeriodMinutes = 60,
  extra: Partial<RuleSpec> = {},
): RuleSpec {
  return {
    file: `test/faults/${ruleId}.yml`,
    analysisType: 'rule',
    ruleId,
    enabled: true,
    hasDetection: false,
    logTypes: ['AWS.CloudTrail'],
    scheduledQueries: [],
    severity: 'LOW',
    displayName: ruleId,
    description: 'Fault test fixture',
    reference: '',
    runbook: '',
    tags: [],
    reports: {},
    summaryAttributes: [],
    outputIds: [],
    dedupPeriodMinutes,
    threshold: 1,
    createAlert: true,
    yaml: {},
    ...extra,
  }
}

const name = (e: PantherEvent) => e.get('eventName')

/** Busy work the runtime cannot interrupt (a synchronous loop), for `ms` milliseconds. */
export function spin(ms: number): void {
  const end = Date.now() + ms
  let x = 0
  while (Date.now() < end) x++
  if (x < 0) throw new Error('unreachable')
}

/** One alert per `faultKey`: counts what reached the dedup window. */
const count: RuleModule = {
  rule: (e) => name(e) === 'FaultsCount',
  title: (e) => `Faults count ${String(e.get('faultKey'))}`,
  dedup: (e) => String(e.get('faultKey')),
}

/** Throws on `FaultsThrow` events: each is a rule error (its own alert type). */
const thrower: RuleModule = {
  rule: (e) => {
    if (name(e) === 'FaultsThrow') throw new RangeError('fixture rule fails on purpose')
    return false
  },
}

/** Spins `loopMs` (at most 5 s) on `FaultsLoop` events, then does not match. */
const looper: RuleModule = {
  rule: (e) => {
    if (name(e) === 'FaultsLoop') spin(Math.min(5000, Number(e.get('loopMs') ?? 100)))
    return false
  },
}

/** One alert per `faultKey` of `FaultsCrash` events, routed by OutputIds to the crash destinations. */
const crash: RuleModule = {
  rule: (e) => name(e) === 'FaultsCrash',
  title: (e) => `Faults crash ${String(e.get('faultKey'))}`,
  dedup: (e) => String(e.get('faultKey')),
}

/** The destinations of `npm run faults` case (e), which only Faults.Crash alerts reach. */
export const CRASH_DESTINATIONS = ['crash-1', 'crash-2', 'crash-3', 'crash-4']

export const FAULT_RULES: GeneratedRule[] = [
  { spec: spec('Faults.Count'), hooks: count, version: 'fixture-1', pure: false },
  { spec: spec('Faults.Throw'), hooks: thrower, version: 'fixture-1', pure: false },
  { spec: spec('Faults.Loop'), hooks: looper, version: 'fixture-1', pure: false },
  {
    spec: spec('Faults.Crash', 60, { severity: 'CRITICAL', outputIds: CRASH_DESTINATIONS }),
    hooks: crash,
    version: 'fixture-1',
    pure: false,
  },
]
