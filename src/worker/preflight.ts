/**
 * The configuration preflight: every problem in a target's settings at once, each naming the setting,
 * entry and field. `npm run check` (tools/check.ts) runs it in Node on the files of a target; the Worker
 * runs it on its own env at the first request of an isolate (logs it) and /health reports it. It reuses
 * the stages' own parsers (DESTINATIONS, SOURCES, limits, rule budget), so it cannot disagree with them.
 * Secret values never appear in a message, only their names.
 */
import { ConfigError } from '../config'
import { parseDestinations, type Destination } from '../delivery/destinations'
import { loadDeliveryConfig, settingsFrom, unknownOutputIds } from '../delivery/config'
import { ruleBudgetMs, ruleBuildErrors } from '../engine'
import { parseSources, resolveSecrets } from '../ingest/sources'
import { readLimits } from '../ingest/limits'

export interface PreflightOptions {
  /**
   * When only the names of the target's secrets are known (production: `wrangler secret list`), the
   * secrets are checked by name and their values (formats) are not checked.
   */
  secretNames?: ReadonlySet<string>
}

export interface PreflightReport {
  /** What stops the Worker from doing its job as configured. */
  problems: string[]
  /** What works but may not be what was meant (e.g. no destination: alerts are stored, not sent). */
  warnings: string[]
  destinations: number
  sources: number
}

/** The secrets every target needs, whatever it configures. */
const REQUIRED_SECRETS = [
  ['INGEST_TOKEN', 'the bearer token of the default ingest source'],
  ['ADMIN_TOKEN', 'the bearer token of the admin API (/alerts, /rules, /destinations)'],
] as const

const LIMIT_VARS = ['MAX_BODY_BYTES', 'MAX_EVENTS_PER_BATCH', 'MAX_JSON_DEPTH'] as const

const setHint = (name: string): string => `wrangler secret put ${name}, or .dev.vars locally`

function issuesOf(err: unknown): string[] {
  if (err instanceof ConfigError) return err.issues
  throw err
}

/** Runs every check on `env` (the Worker's env, or `[vars]` + secrets in Node). */
export function preflight(
  env: Record<string, unknown>,
  options: PreflightOptions = {},
): PreflightReport {
  const problems: string[] = []
  const warnings: string[] = []
  const names = options.secretNames
  const isSet = (name: string): boolean =>
    names !== undefined ? names.has(name) : typeof env[name] === 'string' && env[name] !== ''

  problems.push(...ruleBuildErrors().map((e) => `rules: ${e}`))

  for (const [name, what] of REQUIRED_SECRETS)
    if (!isSet(name)) problems.push(`${name}: the secret is not set (${what}; ${setHint(name)})`)

  // SOURCES: the entries, then (values known) each named secret.
  let sources: ReturnType<typeof parseSources> = []
  try {
    sources = parseSources(env.SOURCES)
    if (names === undefined) resolveSecrets(sources, env)
    else
      sources.forEach((s, i) => {
        if (!names.has(s.auth.secret))
          problems.push(
            `SOURCES[${i}].auth.secret: secret ${s.auth.secret} is not set (${setHint(s.auth.secret)})`,
          )
      })
  } catch (err) {
    problems.push(...issuesOf(err))
  }

  // DESTINATIONS: entries, secrets (values, or names only), timing vars, then rules' OutputIds.
  let destinations: readonly Destination[] = []
  const byKey = new Map<string, Destination>()
  try {
    if (names === undefined) {
      const config = loadDeliveryConfig(env as unknown as Env)
      destinations = config.destinations
    } else {
      destinations = parseDestinations(typeof env.DESTINATIONS === 'string' ? env.DESTINATIONS : undefined)
      destinations.forEach((d, i) => {
        if (d.secret !== undefined && !names.has(d.secret))
          problems.push(
            `DESTINATIONS[${i}] (id ${JSON.stringify(d.id)}).secret: the secret ${d.secret} is not set (${setHint(d.secret)})`,
          )
      })
      const timing: string[] = []
      settingsFrom(env, timing)
      problems.push(...timing)
    }
  } catch (err) {
    problems.push(...issuesOf(err))
  }
  for (const d of destinations) {
    byKey.set(d.id, d)
    if (d.name !== undefined && !byKey.has(d.name)) byKey.set(d.name, d)
  }
  problems.push(...unknownOutputIds(byKey))
  if (destinations.length === 0 && !problems.some((p) => p.startsWith('DESTINATIONS')))
    warnings.push(
      'DESTINATIONS is empty: alerts are stored, not sent. Add a destination, then POST /alerts/deliver-pending sends the alerts created meanwhile.',
    )

  // Limits: each parsed by the stage that uses it.
  for (const name of LIMIT_VARS) {
    try {
      readLimits({ [name]: env[name] })
    } catch {
      problems.push(`${name}: must be a positive integer, not ${JSON.stringify(env[name])}`)
    }
  }
  try {
    ruleBudgetMs({ RULE_CPU_BUDGET_MS: env.RULE_CPU_BUDGET_MS })
  } catch {
    problems.push(
      `RULE_CPU_BUDGET_MS: must be a positive number of milliseconds, not ${JSON.stringify(env.RULE_CPU_BUDGET_MS)}`,
    )
  }

  return { problems, warnings, destinations: destinations.length, sources: sources.length }
}

let atStart: { key: string; report: PreflightReport } | undefined

/** What the check depends on: the env's text values (vars and secrets), never logged. */
function configKey(env: Env): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') parts.push(name, value)
  return JSON.stringify(parts)
}

/**
 * The preflight of this isolate's configuration, run at its first request (Workers have no start
 * hook) and again only when the configuration changes; logged then: each problem with console.error,
 * each warning with console.warn.
 */
export function startCheck(env: Env): PreflightReport {
  const key = configKey(env)
  if (atStart !== undefined && atStart.key === key) return atStart.report
  let report: PreflightReport
  try {
    report = preflight(env as unknown as Record<string, unknown>)
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'non-Error thrown'
    report = { problems: [`the check itself failed (${reason})`], warnings: [], destinations: 0, sources: 0 }
  }
  atStart = { key, report }
  for (const p of report.problems) console.error(`[start check] ${p}`)
  for (const w of report.warnings) console.warn(`[start check] ${w}`)
  return report
}
