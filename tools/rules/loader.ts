/**
 * Loads a rule's analysis YAML strictly, like panther_analysis_tool's RULE_SCHEMA: unknown keys, missing
 * required keys, wrong types, a bad Severity or RuleID, both/neither of Filename/Detection, malformed
 * Tests or Mocks are all reported at once, each naming the file and line. YAML 1.2 core schema (the
 * `yaml` package's default): timestamps stay strings and only true/false are booleans.
 * Runs in Node (build, CLI, conformance); the Worker only sees the validated result.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import { SEVERITIES, type JsonObject, type JsonValue, type Severity } from '../../src/types'
import { isRecord } from '../../src/engine/lookup'
import type { RuleMockSpec, RuleSpec, RuleTestSpec } from '../../src/engine/rule'

export interface LoadError {
  file: string
  line: number
  message: string
}

/** A problem the Simple Detection validator found, at a path inside the YAML document. */
export interface DetectionIssue {
  path: readonly (string | number)[]
  message: string
}

export interface LoadOptions {
  /** Validates the Simple Detection keys of a YAML document (`Detection`, `InlineFilters`, ...). */
  validateDetection?: (yaml: JsonObject, file: string) => readonly (DetectionIssue | string)[]
  /** Whether a file exists, relative to the project root (to check `Filename`). */
  fileExists?: (path: string) => boolean
}

export interface LoadResult {
  spec?: RuleSpec
  tests: RuleTestSpec[]
  errors: LoadError[]
}

const RULE_KEYS = new Set([
  'AnalysisType',
  'Enabled',
  'RuleID',
  'Filename',
  'Detection',
  'LogTypes',
  'ScheduledQueries',
  'Severity',
  'Description',
  'DedupPeriodMinutes',
  'InlineFilters',
  'DisplayName',
  'OnlyUseBaseRiskScore',
  'OutputIds',
  'Reference',
  'Runbook',
  'SummaryAttributes',
  'Threshold',
  'Tags',
  'Reports',
  'Tests',
  'DynamicSeverities',
  'AlertTitle',
  'AlertContext',
  'GroupBy',
  'CreateAlert',
  'Status',
  'CreatedBy',
  'BaseVersion',
])
const TEST_KEYS = new Set([
  'Name',
  'LogType',
  'ExpectedResult',
  'Log',
  'Mocks',
  'ExpectedTitle',
  'ExpectedDedup',
  'ExpectedSeverity',
  'ExpectedAlertContext',
])
const MOCK_KEYS = new Set(['objectName', 'returnValue'])
const DETECTION_ONLY_KEYS = ['DynamicSeverities', 'AlertTitle', 'AlertContext', 'GroupBy'] as const
const YAML_SEVERITIES = ['Info', 'Low', 'Medium', 'High', 'Critical']
/** PAT's NAME_ID_VALIDATION_REGEX. */
export const RULE_ID_PATTERN = /^[^<>&"%]+$/
const LOG_TYPE_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/

function dirname(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i + 1)
}

/**
 * A YAML file parsed for loading: the document, its syntax errors as `file:line` errors, and how to
 * find a node's line and record an error at a line. Shared by the rule and correlation loaders.
 */
export function parseYamlFile(file: string, text: string) {
  const errors: LoadError[] = []
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line
  const nodeLine = (node: unknown): number => lineAt((node as Node | null | undefined)?.range?.[0])
  const err = (line: number, message: string): void => {
    errors.push({ file, line, message })
  }
  for (const e of doc.errors) err(lineAt(e.pos[0]), `YAML: ${e.message.split('\n')[0]}`)
  return { doc, errors, lineAt, nodeLine, err }
}

/** Validates and normalises one rule YAML; never throws. */
export function loadRuleYaml(file: string, text: string, options: LoadOptions = {}): LoadResult {
  const { doc, errors, lineAt, nodeLine, err } = parseYamlFile(file, text)
  if (doc.errors.length > 0) return { tests: [], errors }

  const root = doc.contents
  if (!isMap(root)) {
    err(nodeLine(root), 'a rule file must be a YAML mapping')
    return { tests: [], errors }
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>
  const keyLine = (key: string): number => {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key)
    return nodeLine(pair?.key ?? root)
  }
  const valueLine = (path: readonly (string | number)[]): number => {
    const node = doc.getIn(path, true)
    return node
      ? nodeLine(node)
      : path.length > 1
        ? valueLine(path.slice(0, -1))
        : keyLine(String(path[0]))
  }

  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined
    if (typeof key !== 'string' || !RULE_KEYS.has(key))
      err(nodeLine(pair.key), `unknown key ${JSON.stringify(key)}`)
  }
  const has = (key: string): boolean => data[key] !== undefined && Object.hasOwn(data, key)
  for (const key of ['AnalysisType', 'Enabled', 'RuleID', 'Severity']) {
    if (!has(key)) err(1, `missing required key ${key}`)
  }

  const str = (key: string, pattern?: RegExp): string | undefined => {
    if (!has(key)) return undefined
    const v = data[key]
    if (typeof v !== 'string') err(keyLine(key), `${key} must be a string`)
    else if (pattern && !pattern.test(v))
      err(keyLine(key), `${key} ${JSON.stringify(v)} must match ${pattern.source}`)
    else return v
    return undefined
  }
  const bool = (key: string): boolean | undefined => {
    if (!has(key)) return undefined
    if (typeof data[key] !== 'boolean') err(keyLine(key), `${key} must be true or false`)
    return typeof data[key] === 'boolean' ? (data[key] as boolean) : undefined
  }
  const strList = (key: string): string[] | undefined => {
    if (!has(key)) return undefined
    const v = data[key]
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      err(keyLine(key), `${key} must be a list of strings`)
      return undefined
    }
    return v as string[]
  }
  const positiveInt = (key: string): number | undefined => {
    if (!has(key)) return undefined
    const v = data[key]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      err(keyLine(key), `${key} must be a positive integer`)
    else return v
    return undefined
  }

  const analysisType = str('AnalysisType')
  if (analysisType === 'scheduled_rule') {
    // Accepting it would load a rule that never runs: there are no scheduled queries here.
    err(
      keyLine('AnalysisType'),
      'AnalysisType scheduled_rule is not supported: scheduled rules run on the results of scheduled data lake queries, which this engine does not have (it runs streaming rules on ingested events)',
    )
  } else if (analysisType !== undefined && analysisType !== 'rule') {
    err(
      keyLine('AnalysisType'),
      `AnalysisType must be rule or scheduled_rule, got ${JSON.stringify(analysisType)}`,
    )
  }
  const enabled = bool('Enabled')
  const ruleId = str('RuleID', RULE_ID_PATTERN)
  const displayName = str('DisplayName', RULE_ID_PATTERN)

  let severity: Severity | undefined
  if (has('Severity')) {
    const v = data.Severity
    if (
      typeof v === 'string' &&
      (YAML_SEVERITIES.includes(v) || (SEVERITIES as readonly string[]).includes(v))
    ) {
      severity = v.toUpperCase() as Severity
    } else {
      err(
        keyLine('Severity'),
        `Severity must be one of ${YAML_SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`,
      )
    }
  }

  const filename = str('Filename')
  const hasDetection = has('Detection')
  if (has('Filename') === hasDetection) {
    err(
      hasDetection ? keyLine('Filename') : 1,
      hasDetection
        ? 'Filename and Detection are mutually exclusive'
        : 'missing required key Filename or Detection',
    )
  }
  if (filename !== undefined) {
    if (!filename.endsWith('.ts') || filename.includes('/') || filename.includes('\\')) {
      err(
        keyLine('Filename'),
        `Filename must name a TypeScript module beside the YAML (e.g. rule.ts), got ${JSON.stringify(filename)}`,
      )
    } else if (options.fileExists && !options.fileExists(dirname(file) + filename)) {
      err(keyLine('Filename'), `Filename ${filename} does not exist beside ${file}`)
    }
  }
  if (!hasDetection) {
    for (const key of DETECTION_ONLY_KEYS)
      if (has(key))
        err(keyLine(key), `${key} is only supported with Detection (use the TypeScript hooks)`)
  }

  const logTypes = strList('LogTypes')
  const scheduledQueries = strList('ScheduledQueries')
  if (has('ScheduledQueries')) {
    err(
      keyLine('ScheduledQueries'),
      'ScheduledQueries is not supported: this engine has no scheduled queries (streaming rules take LogTypes)',
    )
  } else if (!has('LogTypes')) {
    err(1, 'missing required key LogTypes')
  }
  for (const lt of logTypes ?? [])
    if (!LOG_TYPE_PATTERN.test(lt))
      err(keyLine('LogTypes'), `LogTypes: ${JSON.stringify(lt)} is not a log type name`)

  const description = str('Description')
  const reference = str('Reference')
  const runbook = str('Runbook')
  const status = str('Status')
  str('CreatedBy')
  if (
    has('BaseVersion') &&
    typeof data.BaseVersion !== 'number' &&
    typeof data.BaseVersion !== 'string'
  ) {
    err(keyLine('BaseVersion'), 'BaseVersion must be a number or string')
  }
  // Panther's risk scoring is not implemented: only the value that changes nothing is accepted.
  if (bool('OnlyUseBaseRiskScore') === true) {
    err(
      keyLine('OnlyUseBaseRiskScore'),
      'OnlyUseBaseRiskScore: true is not supported (this engine has no risk scores); remove it or set it to false',
    )
  }
  const createAlert = bool('CreateAlert')
  const dedupPeriodMinutes = positiveInt('DedupPeriodMinutes')
  const threshold = positiveInt('Threshold')
  const tags = strList('Tags')
  const summaryAttributes = strList('SummaryAttributes')
  const outputIds = strList('OutputIds')
  const alertTitle = str('AlertTitle')
  void alertTitle

  const reports: Record<string, string[]> = {}
  if (has('Reports')) {
    const v = data.Reports
    if (!isRecord(v)) err(keyLine('Reports'), 'Reports must map a framework name to a list')
    else {
      for (const [k, list] of Object.entries(v)) {
        if (
          !Array.isArray(list) ||
          !list.every((x) => typeof x === 'string' || typeof x === 'number')
        ) {
          err(valueLine(['Reports', k]), `Reports.${k} must be a list of strings`)
        } else reports[k] = list.map(String)
      }
    }
  }

  const yaml = { ...data } as JsonObject
  delete yaml.Tests
  if (options.validateDetection && (hasDetection || has('InlineFilters'))) {
    for (const issue of options.validateDetection(yaml, file)) {
      if (typeof issue === 'string')
        err(hasDetection ? keyLine('Detection') : keyLine('InlineFilters'), issue)
      else err(valueLine(issue.path), `${formatPath(issue.path)}: ${issue.message}`)
    }
  } else if (hasDetection || has('InlineFilters')) {
    err(
      keyLine(hasDetection ? 'Detection' : 'InlineFilters'),
      'Simple Detections are not supported yet (src/engine/detection is missing)',
    )
  }

  const tests = loadTests(doc, data, errors, file, nodeLine, valueLine, keyLine)

  if (
    errors.length > 0 ||
    analysisType === undefined ||
    ruleId === undefined ||
    severity === undefined ||
    enabled === undefined
  ) {
    return { tests, errors }
  }
  const spec: RuleSpec = {
    file,
    analysisType: analysisType as 'rule' | 'scheduled_rule',
    ruleId,
    enabled,
    hasDetection,
    logTypes: logTypes ?? [],
    scheduledQueries: scheduledQueries ?? [],
    severity,
    description: description ?? '',
    reference: reference ?? '',
    runbook: runbook ?? '',
    tags: tags ?? [],
    reports,
    summaryAttributes: summaryAttributes ?? [],
    outputIds: outputIds ?? [],
    dedupPeriodMinutes: dedupPeriodMinutes ?? 60,
    threshold: threshold ?? 1,
    createAlert: createAlert ?? true,
    yaml,
  }
  if (filename !== undefined) spec.filename = filename
  if (displayName !== undefined) spec.displayName = displayName
  if (status !== undefined) spec.status = status
  return { spec, tests, errors }
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

function loadTests(
  doc: Document.Parsed,
  data: Record<string, unknown>,
  errors: LoadError[],
  file: string,
  nodeLine: (node: unknown) => number,
  valueLine: (path: readonly (string | number)[]) => number,
  keyLine: (key: string) => number,
): RuleTestSpec[] {
  const tests: RuleTestSpec[] = []
  if (data.Tests === undefined || data.Tests === null) return tests
  const err = (line: number, message: string): void => {
    errors.push({ file, line, message })
  }
  if (!Array.isArray(data.Tests)) {
    err(keyLine('Tests'), 'Tests must be a list')
    return tests
  }
  const seq = doc.getIn(['Tests'], true)
  data.Tests.forEach((raw: unknown, i: number) => {
    const line = isSeq(seq) ? nodeLine(seq.items[i]) : keyLine('Tests')
    const where = `Tests[${i}]`
    if (!isRecord(raw)) {
      err(line, `${where} must be a mapping`)
      return
    }
    const t = raw as Record<string, JsonValue>
    for (const key of Object.keys(t))
      if (!TEST_KEYS.has(key))
        err(valueLine(['Tests', i, key]), `${where}: unknown key ${JSON.stringify(key)}`)
    const name = t.Name
    const label = typeof name === 'string' ? `${where} (${name})` : where
    if (typeof name !== 'string') err(line, `${where}: Name is required and must be a string`)
    if (typeof t.ExpectedResult !== 'boolean')
      err(line, `${label}: ExpectedResult is required and must be true or false`)
    if (!isRecord(t.Log)) err(line, `${label}: Log is required and must be a mapping`)
    if (t.LogType !== undefined && typeof t.LogType !== 'string')
      err(valueLine(['Tests', i, 'LogType']), `${label}: LogType must be a string`)
    const mocks: RuleMockSpec[] = []
    if (t.Mocks !== undefined) {
      if (!Array.isArray(t.Mocks))
        err(valueLine(['Tests', i, 'Mocks']), `${label}: Mocks must be a list`)
      else {
        t.Mocks.forEach((m, j) => {
          const mline = valueLine(['Tests', i, 'Mocks', j])
          if (!isRecord(m)) return err(mline, `${label}: Mocks[${j}] must be a mapping`)
          for (const key of Object.keys(m))
            if (!MOCK_KEYS.has(key))
              err(mline, `${label}: Mocks[${j}]: unknown key ${JSON.stringify(key)}`)
          if (typeof m.objectName !== 'string')
            err(mline, `${label}: Mocks[${j}].objectName must be a string`)
          if (typeof m.returnValue !== 'string' && typeof m.returnValue !== 'boolean') {
            err(mline, `${label}: Mocks[${j}].returnValue must be a string or a boolean`)
          }
          if (
            typeof m.objectName === 'string' &&
            (typeof m.returnValue === 'string' || typeof m.returnValue === 'boolean')
          ) {
            mocks.push({ objectName: m.objectName, returnValue: m.returnValue })
          }
        })
      }
    }
    const optionalString = (key: 'ExpectedTitle' | 'ExpectedDedup'): string | undefined => {
      if (t[key] === undefined) return undefined
      if (typeof t[key] !== 'string')
        err(valueLine(['Tests', i, key]), `${label}: ${key} must be a string`)
      return typeof t[key] === 'string' ? (t[key] as string) : undefined
    }
    const expectedTitle = optionalString('ExpectedTitle')
    const expectedDedup = optionalString('ExpectedDedup')
    let expectedSeverity: Severity | undefined
    if (t.ExpectedSeverity !== undefined) {
      const v = t.ExpectedSeverity
      if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v.toUpperCase()))
        expectedSeverity = v.toUpperCase() as Severity
      else
        err(
          valueLine(['Tests', i, 'ExpectedSeverity']),
          `${label}: ExpectedSeverity must be one of ${SEVERITIES.join(', ')}`,
        )
    }
    let expectedAlertContext: JsonObject | undefined
    if (t.ExpectedAlertContext !== undefined) {
      if (isRecord(t.ExpectedAlertContext))
        expectedAlertContext = t.ExpectedAlertContext as JsonObject
      else
        err(
          valueLine(['Tests', i, 'ExpectedAlertContext']),
          `${label}: ExpectedAlertContext must be a mapping`,
        )
    }
    if (typeof name !== 'string' || typeof t.ExpectedResult !== 'boolean' || !isRecord(t.Log))
      return
    const test: RuleTestSpec = {
      name,
      expectedResult: t.ExpectedResult,
      log: t.Log as JsonObject,
      mocks,
      line,
    }
    if (expectedTitle !== undefined) test.expectedTitle = expectedTitle
    if (expectedDedup !== undefined) test.expectedDedup = expectedDedup
    if (expectedSeverity !== undefined) test.expectedSeverity = expectedSeverity
    if (expectedAlertContext !== undefined) test.expectedAlertContext = expectedAlertContext
    tests.push(test)
  })
  return tests
}

export function formatLoadError(e: LoadError): string {
  return `${e.file}:${e.line}: ${e.message}`
}
