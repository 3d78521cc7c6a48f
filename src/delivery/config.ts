/**
 * The delivery configuration as the consumer and the admin route use it, loaded on first use in an
 * isolate (Workers have no start-up hook): destinations with their secrets resolved, and the timeout and
 * backoff settings from `[vars]`. Rules' `OutputIds` naming no destination are checked separately
 * (`unknownOutputIds`: the rule build, `npm run check`, /health): one bad id must not hold every
 * other alert's delivery, so at delivery time it only fails the deliveries it names.
 */
import { allRules } from '../engine'
import { decodeSigningSecret } from './signing'
import { ConfigError } from '../config'
import { PAGERDUTY_EVENTS_URL, parseDestinations, type Destination } from './destinations'

export interface DeliverySettings {
  /** Per request, response body included. */
  timeoutMs: number
  /** First retry delay (doubling per attempt, with jitter). */
  backoffBaseSeconds: number
  /** Largest retry delay. */
  backoffMaxSeconds: number
}

/** The `[vars]` defaults; with wrangler.toml's max_retries they cover well over an hour of outage. */
export const DEFAULT_SETTINGS: DeliverySettings = {
  timeoutMs: 10_000,
  backoffBaseSeconds: 30,
  backoffMaxSeconds: 600,
}

/** Shortest fragment worth scrubbing: shorter ones are words, not tokens. */
const MIN_SECRET_PART = 4

/**
 * What to scrub for one secret or destination URL: the value, and when it parses as a URL its
 * user info and query values; a URL held in a secret (a Slack webhook) also its path and every path
 * segment, since a service that echoes its request path shows the token without the host.
 */
function secretParts(value: string, secretUrl: boolean): string[] {
  const out = secretUrl || !/^https?:/i.test(value) ? [value] : []
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return out
  }
  out.push(url.username, url.password, url.search.slice(1))
  for (const [, v] of url.searchParams) out.push(v)
  if (secretUrl) {
    out.push(url.pathname, `${url.pathname}${url.search}`)
    for (const segment of url.pathname.split('/')) out.push(segment)
  }
  return out.filter((s) => s.length >= MIN_SECRET_PART)
}

/** A destination ready to send to: its URL and secret value resolved from the environment. */
export interface ResolvedDestination extends Destination {
  url: string
  /** The value of the secret `secret` names (signing secret, routing key or webhook URL). */
  secretValue?: string
}

export interface DeliveryConfig {
  destinations: readonly ResolvedDestination[]
  /** By id and by name. */
  byKey: ReadonlyMap<string, ResolvedDestination>
  settings: DeliverySettings
  /** Every secret value in use, to scrub from recorded errors and body excerpts. */
  secretValues: readonly string[]
}

/** The part of a rule the configuration check needs. */
export interface RuleOutputs {
  id: string
  file?: string
  outputIds: readonly string[]
}

/** The timing settings from `[vars]`; each bad value is an issue (and its default is used). */
export function settingsFrom(env: Record<string, unknown>, issues: string[]): DeliverySettings {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || n > max) {
      issues.push(`${name}: must be a number from ${min} to ${max}`)
      return fallback
    }
    return n
  }
  const settings = {
    timeoutMs: read('DELIVERY_TIMEOUT_MS', DEFAULT_SETTINGS.timeoutMs, 100, 300_000),
    backoffBaseSeconds: read(
      'DELIVERY_BACKOFF_BASE_SECONDS',
      DEFAULT_SETTINGS.backoffBaseSeconds,
      0,
      43_200,
    ),
    backoffMaxSeconds: read(
      'DELIVERY_BACKOFF_MAX_SECONDS',
      DEFAULT_SETTINGS.backoffMaxSeconds,
      0,
      43_200,
    ),
  }
  if (settings.backoffMaxSeconds < settings.backoffBaseSeconds) {
    issues.push('DELIVERY_BACKOFF_MAX_SECONDS: must not be less than DELIVERY_BACKOFF_BASE_SECONDS')
  }
  return settings
}

function resolve(
  d: Destination,
  index: number,
  env: Record<string, unknown>,
  issues: string[],
): ResolvedDestination {
  const where = `DESTINATIONS[${index}] (id ${JSON.stringify(d.id)})`
  let secretValue: string | undefined
  if (d.secret !== undefined) {
    const value = env[d.secret]
    if (typeof value !== 'string' || value === '') {
      issues.push(
        `${where}.secret: the secret ${d.secret} is not set (wrangler secret put ${d.secret}, or .dev.vars locally)`,
      )
    } else {
      secretValue = value
      if (d.type === 'webhook' && decodeSigningSecret(value) === null) {
        issues.push(
          `${where}.secret: the secret ${d.secret} must be "whsec_" followed by base64 (Standard Webhooks)`,
        )
      }
      if (
        (d.type === 'slack' || d.type === 'teams') &&
        d.url === undefined &&
        !/^https?:\/\//.test(value)
      ) {
        issues.push(`${where}.secret: the secret ${d.secret} must hold the webhook URL`)
      }
    }
  }
  const url = d.url ?? (d.type === 'pagerduty' ? PAGERDUTY_EVENTS_URL : (secretValue ?? ''))
  return secretValue === undefined ? { ...d, url } : { ...d, url, secretValue }
}

/** Rules' `OutputIds` naming no destination of `byKey` (the bundled rules by default), one issue each. */
export function unknownOutputIds(
  byKey: ReadonlyMap<string, Destination>,
  rules: readonly RuleOutputs[] = bundledRules(),
): string[] {
  const issues: string[] = []
  for (const rule of rules) {
    for (const id of rule.outputIds) {
      if (byKey.has(id)) continue
      const known = [...new Set([...byKey.values()].map((d) => d.id))]
      issues.push(
        `rule ${rule.id}${rule.file ? ` (${rule.file})` : ''} OutputIds: unknown destination ${JSON.stringify(id)}` +
          ` (DESTINATIONS has ${known.length === 0 ? 'none' : known.join(', ')})`,
      )
    }
  }
  return issues
}

function bundledRules(): RuleOutputs[] {
  return allRules().map((r) => ({ id: r.id, file: r.spec.file, outputIds: r.spec.outputIds }))
}

let cache: { key: string; env: object; config: DeliveryConfig } | null = null

/**
 * The configuration for `env`, validated once per isolate and configuration; throws
 * `ConfigError` naming every bad entry and field.
 */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  const vars = env as unknown as Record<string, unknown>
  const key = JSON.stringify([
    env.DESTINATIONS,
    vars.DELIVERY_TIMEOUT_MS,
    vars.DELIVERY_BACKOFF_BASE_SECONDS,
    vars.DELIVERY_BACKOFF_MAX_SECONDS,
  ])
  if (cache !== null && cache.key === key && cache.env === env) return cache.config
  const issues: string[] = []
  let destinations: readonly Destination[] = []
  try {
    destinations = parseDestinations(env.DESTINATIONS)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    issues.push(...err.issues)
  }
  const resolved = destinations.map((d, i) => resolve(d, i, vars, issues))
  const byKey = new Map<string, ResolvedDestination>()
  for (const d of resolved) {
    byKey.set(d.id, d)
    if (d.name !== undefined && !byKey.has(d.name)) byKey.set(d.name, d)
  }
  const settings = settingsFrom(vars, issues)
  if (issues.length > 0) throw new ConfigError('delivery configuration', issues)
  const secretValues = [
    ...new Set(
      resolved.flatMap((d) => [
        ...(d.secretValue === undefined ? [] : secretParts(d.secretValue, true)),
        ...secretParts(d.url, d.secretValue !== undefined && d.url === d.secretValue),
      ]),
    ),
  ].sort((a, b) => b.length - a.length)
  const config: DeliveryConfig = { destinations: resolved, byKey, settings, secretValues }
  cache = { key, env, config }
  return config
}
