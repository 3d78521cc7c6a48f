/**
 * Loads a correlation rule's YAML (`AnalysisType: correlation_rule`) strictly, the way loader.ts
 * loads rules: unknown keys, missing or mistyped keys, member and transition references that do not
 * resolve, and malformed Tests are all reported at once, each naming the file and line. Both forms of
 * Panther's Detection are read (`Group` with `MatchCriteria`; `Sequence` with `Transitions`) and
 * normalised into a CorrelationSpec. Whether each sub-rule exists is checked by the build, which knows
 * the catalog: `subRules` says where each one is named.
 */
import { isMap, isScalar } from 'yaml'
import { isRecord } from '../../src/engine/lookup'
import { SEVERITIES, type Severity } from '../../src/types'
import type {
  CorrelationMember,
  CorrelationSpec,
  CorrelationTestOutput,
  CorrelationTestSpec,
  CorrelationTransition,
} from '../../src/correlation/spec'
import type { RuleSpec } from '../../src/engine/rule'
import { parseYamlFile, RULE_ID_PATTERN, type LoadError } from './loader'

export interface CorrelationLoadResult {
  spec?: CorrelationSpec
  tests: CorrelationTestSpec[]
  /** Each sub-rule RuleID and the line naming it (the build checks them against the catalog). */
  subRules: { ruleId: string; line: number }[]
  errors: LoadError[]
}

const TOP_KEYS = new Set([
  'AnalysisType',
  'RuleID',
  'DisplayName',
  'Enabled',
  'Severity',
  'Description',
  'Reports',
  'Tags',
  'Reference',
  'Runbook',
  'OutputIds',
  'CreateAlert',
  'DedupPeriodMinutes',
  'Detection',
  'Tests',
  'Status',
  'CreatedBy',
  'SummaryAttributes',
  'OnlyUseBaseRiskScore',
  'BaseVersion',
])
const GROUP_KEYS = new Set(['Group', 'MatchCriteria', 'LookbackWindowMinutes', 'Schedule', 'EventEvaluationOrder'])
const SEQUENCE_KEYS = new Set(['Sequence', 'Transitions', 'LookbackWindowMinutes', 'Schedule'])
const MEMBER_KEYS = new Set(['ID', 'RuleID', 'MinMatchCount', 'Absence'])
const TRANSITION_KEYS = new Set(['ID', 'From', 'To', 'WithinTimeFrameMinutes', 'Match'])
const SCHEDULE_KEYS = new Set(['RateMinutes', 'TimeoutMinutes', 'CronExpression'])
const TEST_KEYS = new Set(['Name', 'ExpectedResult', 'RuleOutputs'])
const OUTPUT_KEYS = new Set(['ID', 'Matches'])
const YAML_SEVERITIES = ['Info', 'Low', 'Medium', 'High', 'Critical']
/** Panther's default lookback window (minutes). */
const DEFAULT_LOOKBACK = 15

type Path = (string | number)[]

/** Validates and normalises one correlation rule YAML; never throws. */
export function loadCorrelationYaml(file: string, text: string): CorrelationLoadResult {
  const subRules: CorrelationLoadResult['subRules'] = []
  const { doc, errors, nodeLine, err } = parseYamlFile(file, text)
  if (doc.errors.length > 0) return { tests: [], subRules, errors }
  if (!isMap(doc.contents)) {
    err(1, 'a correlation rule file must be a YAML mapping')
    return { tests: [], subRules, errors }
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>
  /** The line of the value at `path`, else of its nearest parent that exists. */
  const lineOf = (path: Path): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true)
      if (node !== undefined) return nodeLine(node)
    }
    return 1
  }
  /** The line of a mapping's key (where an unknown key should be reported). */
  const keyLine = (path: Path, key: string): number => {
    const parent = path.length === 0 ? doc.contents : doc.getIn(path, true)
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key)
      if (pair) return nodeLine(pair.key)
    }
    return lineOf(path)
  }
  const where = (path: Path): string =>
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
  const checkKeys = (value: Record<string, unknown>, path: Path, allowed: Set<string>): void => {
    for (const key of Object.keys(value))
      if (!allowed.has(key))
        err(keyLine(path, key), `${path.length ? `${where(path)}: ` : ''}unknown key ${JSON.stringify(key)}`)
  }
  const has = (o: Record<string, unknown>, k: string): boolean =>
    Object.hasOwn(o, k) && o[k] !== undefined && o[k] !== null
  const str = (o: Record<string, unknown>, k: string, path: Path, required = false): string | undefined => {
    if (!has(o, k)) {
      if (required) err(lineOf(path), `${where([...path, k])} is required`)
      return undefined
    }
    if (typeof o[k] !== 'string' || o[k] === '') {
      err(lineOf([...path, k]), `${where([...path, k])} must be a non-empty string`)
      return undefined
    }
    return o[k] as string
  }
  const posInt = (o: Record<string, unknown>, k: string, path: Path): number | undefined => {
    if (!has(o, k)) return undefined
    const v = o[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      err(lineOf([...path, k]), `${where([...path, k])} must be a positive integer`)
      return undefined
    }
    return v
  }
  const bool = (o: Record<string, unknown>, k: string, path: Path): boolean | undefined => {
    if (!has(o, k)) return undefined
    if (typeof o[k] !== 'boolean') {
      err(lineOf([...path, k]), `${where([...path, k])} must be true or false`)
      return undefined
    }
    return o[k] as boolean
  }
  const strList = (o: Record<string, unknown>, k: string): string[] | undefined => {
    if (!has(o, k)) return undefined
    const v = o[k]
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      err(lineOf([k]), `${k} must be a list of strings`)
      return undefined
    }
    return v as string[]
  }

  checkKeys(data, [], TOP_KEYS)
  for (const key of ['AnalysisType', 'RuleID', 'Enabled', 'Severity', 'Detection'])
    if (!has(data, key)) err(1, `missing required key ${key}`)
  if (has(data, 'AnalysisType') && data.AnalysisType !== 'correlation_rule')
    err(lineOf(['AnalysisType']), `AnalysisType must be correlation_rule, got ${JSON.stringify(data.AnalysisType)}`)
  const ruleId = str(data, 'RuleID', [])
  if (ruleId !== undefined && !RULE_ID_PATTERN.test(ruleId))
    err(lineOf(['RuleID']), `RuleID ${JSON.stringify(ruleId)} must match ${RULE_ID_PATTERN.source}`)
  const displayName = str(data, 'DisplayName', [])
  if (displayName !== undefined && !RULE_ID_PATTERN.test(displayName))
    err(lineOf(['DisplayName']), `DisplayName must match ${RULE_ID_PATTERN.source}`)
  const enabled = bool(data, 'Enabled', [])
  let severity: Severity | undefined
  if (has(data, 'Severity')) {
    const v = data.Severity
    if (typeof v === 'string' && (YAML_SEVERITIES.includes(v) || (SEVERITIES as readonly string[]).includes(v)))
      severity = v.toUpperCase() as Severity
    else err(lineOf(['Severity']), `Severity must be one of ${YAML_SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`)
  }
  const description = str(data, 'Description', [])
  const reference = str(data, 'Reference', [])
  const runbook = str(data, 'Runbook', [])
  str(data, 'Status', [])
  str(data, 'CreatedBy', [])
  bool(data, 'OnlyUseBaseRiskScore', [])
  const createAlert = bool(data, 'CreateAlert', [])
  const dedupPeriodMinutes = posInt(data, 'DedupPeriodMinutes', [])
  const tags = strList(data, 'Tags')
  const outputIds = strList(data, 'OutputIds')
  const summaryAttributes = strList(data, 'SummaryAttributes')
  const reports: Record<string, string[]> = {}
  if (has(data, 'Reports')) {
    if (!isRecord(data.Reports)) err(lineOf(['Reports']), 'Reports must map a framework name to a list')
    else
      for (const [k, list] of Object.entries(data.Reports)) {
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' || typeof x === 'number'))
          err(lineOf(['Reports', k]), `Reports.${k} must be a list of strings`)
        else reports[k] = list.map(String)
      }
  }

  // Detection: one item, Group or Sequence.
  let detection: Omit<CorrelationSpec, 'file' | 'ruleId' | 'enabled' | 'severity' | 'description' | 'reference' | 'runbook' | 'tags' | 'reports' | 'outputIds' | 'summaryAttributes' | 'createAlert' | 'dedupPeriodMinutes' | 'version' | 'displayName'> | undefined
  if (has(data, 'Detection')) {
    const d = data.Detection
    if (!Array.isArray(d) || d.length !== 1 || !isRecord(d[0])) {
      err(lineOf(['Detection']), 'Detection must be a list of exactly one mapping (a Group or a Sequence)')
    } else {
      const item = d[0] as Record<string, unknown>
      const path: Path = ['Detection', 0]
      const isGroup = has(item, 'Group')
      const isSequence = has(item, 'Sequence')
      if (isGroup === isSequence) {
        err(lineOf(path), 'Detection[0] must have exactly one of Group or Sequence')
      } else {
        checkKeys(item, path, isGroup ? GROUP_KEYS : SEQUENCE_KEYS)
        const lookbackMinutes = posInt(item, 'LookbackWindowMinutes', path) ?? DEFAULT_LOOKBACK
        if (has(item, 'Schedule')) {
          if (!isRecord(item.Schedule)) err(lineOf([...path, 'Schedule']), 'Detection[0].Schedule must be a mapping')
          else {
            checkKeys(item.Schedule, [...path, 'Schedule'], SCHEDULE_KEYS)
            posInt(item.Schedule, 'RateMinutes', [...path, 'Schedule'])
            posInt(item.Schedule, 'TimeoutMinutes', [...path, 'Schedule'])
            str(item.Schedule, 'CronExpression', [...path, 'Schedule'])
          }
        }
        if (has(item, 'EventEvaluationOrder') && item.EventEvaluationOrder !== 'Chronological')
          err(lineOf([...path, 'EventEvaluationOrder']), 'Detection[0].EventEvaluationOrder must be Chronological')
        const members = loadMembers(item, isGroup ? 'Group' : 'Sequence', path)
        if (members !== undefined) {
          const keyed = isGroup
            ? groupKeys(item, members, path)
            : sequenceKeys(item, members, path)
          if (keyed !== undefined)
            detection = {
              kind: isGroup ? 'group' : 'sequence',
              lookbackMinutes,
              members,
              transitions: keyed.transitions,
              criteria: keyed.criteria,
            }
        }
      }
    }
  }

  function loadMembers(item: Record<string, unknown>, key: 'Group' | 'Sequence', path: Path): CorrelationMember[] | undefined {
    const list = item[key]
    const lpath = [...path, key]
    if (!Array.isArray(list) || list.length === 0) {
      err(lineOf(lpath), `${where(lpath)} must be a non-empty list`)
      return undefined
    }
    const members: CorrelationMember[] = []
    const ids = new Set<string>()
    list.forEach((m: unknown, i) => {
      const mpath = [...lpath, i]
      if (!isRecord(m)) return err(lineOf(mpath), `${where(mpath)} must be a mapping`)
      checkKeys(m, mpath, MEMBER_KEYS)
      const id = str(m, 'ID', mpath, true)
      const sub = str(m, 'RuleID', mpath, true)
      const min = posInt(m, 'MinMatchCount', mpath) ?? 1
      const absence = bool(m, 'Absence', mpath) ?? false
      if (id !== undefined && ids.has(id)) err(lineOf([...mpath, 'ID']), `${where(mpath)}: ID ${JSON.stringify(id)} is used twice`)
      if (id !== undefined) ids.add(id)
      if (sub !== undefined) subRules.push({ ruleId: sub, line: lineOf([...mpath, 'RuleID']) })
      if (id !== undefined && sub !== undefined) members.push({ id, ruleId: sub, minMatchCount: min, absence, keyFields: [] })
    })
    if (members.length !== list.length) return undefined
    if (members.every((m) => m.absence)) {
      err(lineOf(lpath), `${where(lpath)}: at least one member must not be an Absence`)
      return undefined
    }
    return members
  }

  function groupKeys(item: Record<string, unknown>, members: CorrelationMember[], path: Path) {
    const cpath = [...path, 'MatchCriteria']
    const criteria: string[] = []
    if (!has(item, 'MatchCriteria')) return { criteria, transitions: [] }
    if (!isRecord(item.MatchCriteria)) {
      err(lineOf(cpath), `${where(cpath)} must map a criterion name to a list of {GroupID, Match}`)
      return undefined
    }
    let ok = true
    for (const [name, list] of Object.entries(item.MatchCriteria)) {
      const npath = [...cpath, name]
      if (!Array.isArray(list)) {
        err(lineOf(npath), `${where(npath)} must be a list of {GroupID, Match}`)
        ok = false
        continue
      }
      const seen = new Map<string, string>()
      list.forEach((entry: unknown, i) => {
        const epath = [...npath, i]
        if (!isRecord(entry)) {
          ok = false
          return err(lineOf(epath), `${where(epath)} must be a mapping`)
        }
        checkKeys(entry, epath, new Set(['GroupID', 'Match']))
        const gid = str(entry, 'GroupID', epath, true)
        const field = str(entry, 'Match', epath, true)
        if (gid === undefined || field === undefined) return void (ok = false)
        if (!members.some((m) => m.id === gid)) {
          ok = false
          return err(lineOf([...epath, 'GroupID']), `${where(epath)}: GroupID ${JSON.stringify(gid)} is not a Group member ID`)
        }
        if (seen.has(gid)) {
          ok = false
          return err(lineOf([...epath, 'GroupID']), `${where(epath)}: GroupID ${JSON.stringify(gid)} is listed twice`)
        }
        seen.set(gid, checkField(field, lineOf([...epath, 'Match'])))
      })
      for (const m of members) {
        const f = seen.get(m.id)
        if (f === undefined) {
          ok = false
          err(lineOf(npath), `${where(npath)}: member ${JSON.stringify(m.id)} has no Match (every member must say which field it matches on)`)
        } else m.keyFields.push(f)
      }
      criteria.push(name)
    }
    return ok ? { criteria, transitions: [] } : undefined
  }

  function sequenceKeys(item: Record<string, unknown>, members: CorrelationMember[], path: Path) {
    const tpath = [...path, 'Transitions']
    const list = item.Transitions
    if (!Array.isArray(list)) {
      err(lineOf(tpath), `${where(tpath)} must be a list`)
      return undefined
    }
    const n = members.length
    const middleAbsent = members.findIndex((m, i) => m.absence && i > 0 && i < n - 1)
    if (middleAbsent >= 0)
      err(lineOf([...path, 'Sequence', middleAbsent]), 'Absence is supported on the first or the last Sequence step only')
    if (n < 2) err(lineOf([...path, 'Sequence']), 'a Sequence needs at least two steps')
    const transitions: (CorrelationTransition | undefined)[] = new Array(Math.max(0, n - 1)).fill(undefined)
    const pairs: ({ from: string; to: string }[] | undefined)[] = new Array(Math.max(0, n - 1)).fill(undefined)
    let ok = middleAbsent < 0 && n >= 2
    list.forEach((t: unknown, i) => {
      const p = [...tpath, i]
      if (!isRecord(t)) {
        ok = false
        return err(lineOf(p), `${where(p)} must be a mapping`)
      }
      checkKeys(t, p, TRANSITION_KEYS)
      const id = str(t, 'ID', p) ?? `Transitions[${i}]`
      const from = str(t, 'From', p, true)
      const to = str(t, 'To', p, true)
      const within = posInt(t, 'WithinTimeFrameMinutes', p)
      const fi = members.findIndex((m) => m.id === from)
      const ti = members.findIndex((m) => m.id === to)
      if (from !== undefined && fi < 0) err(lineOf([...p, 'From']), `${where(p)}: From ${JSON.stringify(from)} is not a Sequence step ID`)
      if (to !== undefined && ti < 0) err(lineOf([...p, 'To']), `${where(p)}: To ${JSON.stringify(to)} is not a Sequence step ID`)
      if (fi < 0 || ti < 0) return void (ok = false)
      if (ti !== fi + 1) {
        ok = false
        return err(lineOf(p), `${where(p)}: a transition must go from one step to the next (${from} is step ${fi + 1}, ${to} is step ${ti + 1})`)
      }
      if (transitions[fi] !== undefined) {
        ok = false
        return err(lineOf(p), `${where(p)}: a second transition from ${JSON.stringify(from)}`)
      }
      const transition: CorrelationTransition = { id, from: fi, to: ti }
      if (within !== undefined) transition.withinMinutes = within
      transitions[fi] = transition
      const fields: { from: string; to: string }[] = []
      if (has(t, 'Match')) {
        if (!Array.isArray(t.Match)) {
          ok = false
          return err(lineOf([...p, 'Match']), `${where(p)}.Match must be a list of {On} or {From, To}`)
        }
        t.Match.forEach((m: unknown, j) => {
          const mp = [...p, 'Match', j]
          if (!isRecord(m)) {
            ok = false
            return err(lineOf(mp), `${where(mp)} must be a mapping`)
          }
          checkKeys(m, mp, new Set(['On', 'From', 'To']))
          const on = str(m, 'On', mp)
          const f = str(m, 'From', mp)
          const tt = str(m, 'To', mp)
          const line = lineOf(mp)
          if (on !== undefined && f === undefined && tt === undefined) fields.push({ from: checkField(on, line), to: checkField(on, line) })
          else if (on === undefined && f !== undefined && tt !== undefined) fields.push({ from: checkField(f, line), to: checkField(tt, line) })
          else {
            ok = false
            err(line, `${where(mp)} must have On, or both From and To`)
          }
        })
      }
      pairs[fi] = fields
    })
    if (!ok) return undefined
    const missing = transitions.findIndex((t) => t === undefined)
    if (missing >= 0) {
      err(lineOf(tpath), `Transitions: no transition from ${JSON.stringify(members[missing]?.id)} to ${JSON.stringify(members[missing + 1]?.id)}`)
      return undefined
    }
    // One match value runs through the whole chain: each step reads the same fields whichever
    // transition it is part of, and every transition matches on as many fields.
    const arity = pairs[0]?.length ?? 0
    for (let k = 0; k < pairs.length; k++) {
      const fields = pairs[k] ?? []
      if (fields.length !== arity) {
        err(lineOf([...tpath]), `Transitions: every transition must Match on the same number of fields (${arity} and ${fields.length})`)
        return undefined
      }
      for (const [side, idx] of [['from', k], ['to', k + 1]] as const) {
        const m = members[idx] as CorrelationMember
        const mine = fields.map((f) => f[side])
        if (m.keyFields.length === 0) m.keyFields = mine
        else if (m.keyFields.join('\n') !== mine.join('\n')) {
          err(lineOf(tpath), `Transitions: step ${JSON.stringify(m.id)} is matched on ${m.keyFields.join(', ')} in one transition and ${mine.join(', ')} in another; one match value must run through the sequence`)
          return undefined
        }
      }
    }
    const criteria = Array.from({ length: arity }, (_, i) => `Match[${i}]`)
    return { criteria, transitions: transitions as CorrelationTransition[] }
  }

  function checkField(field: string, line: number): string {
    if (field.split('.').some((part) => part === '')) err(line, `${JSON.stringify(field)} is not a field path`)
    return field
  }

  const tests = loadTests()

  function loadTests(): CorrelationTestSpec[] {
    const out: CorrelationTestSpec[] = []
    if (!has(data, 'Tests')) return out
    if (!Array.isArray(data.Tests)) {
      err(lineOf(['Tests']), 'Tests must be a list')
      return out
    }
    const memberIds = new Set(detection?.members.map((m) => m.id) ?? [])
    data.Tests.forEach((raw: unknown, i) => {
      const p: Path = ['Tests', i]
      const line = lineOf(p)
      if (!isRecord(raw)) return err(line, `Tests[${i}] must be a mapping`)
      checkKeys(raw, p, TEST_KEYS)
      const name = typeof raw.Name === 'string' ? raw.Name : undefined
      const label = name === undefined ? `Tests[${i}]` : `Tests[${i}] (${name})`
      if (name === undefined) err(line, `Tests[${i}]: Name is required and must be a string`)
      if (typeof raw.ExpectedResult !== 'boolean') err(line, `${label}: ExpectedResult is required and must be true or false`)
      const outputs: CorrelationTestOutput[] = []
      const list = raw.RuleOutputs
      if (!Array.isArray(list)) err(line, `${label}: RuleOutputs is required and must be a list`)
      else
        list.forEach((o: unknown, j) => {
          const op: Path = [...p, 'RuleOutputs', j]
          if (!isRecord(o)) return err(lineOf(op), `${label}: RuleOutputs[${j}] must be a mapping`)
          checkKeys(o, op, OUTPUT_KEYS)
          const id = o.ID
          if (typeof id !== 'string') return err(lineOf(op), `${label}: RuleOutputs[${j}].ID must be a string`)
          if (detection !== undefined && !memberIds.has(id))
            return err(lineOf([...op, 'ID']), `${label}: RuleOutputs[${j}].ID ${JSON.stringify(id)} is not a member ID`)
          const matches = loadMatches(o.Matches, [...op, 'Matches'], `${label}: RuleOutputs[${j}].Matches`)
          if (matches !== undefined) outputs.push({ id, matches })
        })
      if (name !== undefined && typeof raw.ExpectedResult === 'boolean')
        out.push({ name, expectedResult: raw.ExpectedResult, outputs, line })
    })
    return out
  }

  function loadMatches(v: unknown, p: Path, label: string): CorrelationTestOutput['matches'] | undefined {
    if (!isRecord(v)) {
      err(lineOf(p), `${label} must map a field to {value: [times]}`)
      return undefined
    }
    const out: CorrelationTestOutput['matches'] = {}
    for (const [field, values] of Object.entries(v)) {
      if (!isRecord(values)) {
        err(lineOf([...p, field]), `${label}.${field} must map a value to a list of times`)
        continue
      }
      out[field] = {}
      for (const [value, times] of Object.entries(values)) {
        const ok =
          Array.isArray(times) &&
          times.every((t) => (typeof t === 'number' && Number.isFinite(t)) || (typeof t === 'string' && !Number.isNaN(Date.parse(t))))
        if (!ok) err(lineOf([...p, field, value]), `${label}.${field}.${value} must be a list of times (ISO 8601, or minutes as numbers)`)
        else (out[field] as Record<string, (string | number)[]>)[value] = times as (string | number)[]
      }
    }
    return out
  }

  if (errors.length > 0 || ruleId === undefined || enabled === undefined || severity === undefined || detection === undefined)
    return { tests, subRules, errors }
  const spec: CorrelationSpec = {
    file,
    ruleId,
    enabled,
    severity,
    description: description ?? '',
    reference: reference ?? '',
    runbook: runbook ?? '',
    tags: tags ?? [],
    reports,
    outputIds: outputIds ?? [],
    summaryAttributes: summaryAttributes ?? [],
    createAlert: createAlert ?? true,
    dedupPeriodMinutes: dedupPeriodMinutes ?? 60,
    ...detection,
    version: '',
  }
  if (displayName !== undefined) spec.displayName = displayName
  return { spec, tests, subRules, errors }
}

/** Whether a YAML file declares `AnalysisType: correlation_rule` (the build routes it here). */
export function isCorrelationYaml(text: string): boolean {
  return /^AnalysisType:\s*['"]?correlation_rule['"]?\s*(#.*)?$/m.test(text)
}

/**
 * Every sub-rule a correlation rule names must be a rule of the catalog (never silently ignored), and
 * an enabled correlation rule's sub-rules must be enabled: a disabled rule makes no signals, so the
 * correlation could never fire.
 */
export function checkSubRules(
  rules: readonly Pick<RuleSpec, 'ruleId' | 'file' | 'enabled' | 'logTypes'>[],
  correlations: readonly { spec: CorrelationSpec; subRules: CorrelationLoadResult['subRules'] }[],
): LoadError[] {
  const errors: LoadError[] = []
  const byId = new Map(rules.map((r) => [r.ruleId, r]))
  const correlationIds = new Set(correlations.map((c) => c.spec.ruleId))
  for (const c of correlations) {
    for (const ref of c.subRules) {
      const rule = byId.get(ref.ruleId)
      const at = { file: c.spec.file, line: ref.line }
      if (correlationIds.has(ref.ruleId))
        errors.push({ ...at, message: `RuleID ${ref.ruleId} is a correlation rule; correlating correlation rules is not supported` })
      else if (rule === undefined)
        errors.push({ ...at, message: `RuleID ${ref.ruleId} is not a rule in rules/ (a correlation rule needs every rule it names)` })
      else if (c.spec.enabled && !rule.enabled)
        errors.push({ ...at, message: `RuleID ${ref.ruleId} (${rule.file}) is disabled, so it makes no signals; enable it or disable this correlation rule` })
      else if (c.spec.enabled && rule.logTypes.length === 0)
        errors.push({ ...at, message: `RuleID ${ref.ruleId} is a scheduled rule; only streaming rules make signals here` })
    }
  }
  return errors
}
