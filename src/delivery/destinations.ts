/**
 * Alert destinations: the `DESTINATIONS` JSON array (wrangler.toml `[vars]`, `.dev.vars` or
 * `wrangler dev --var`), validated strictly with valibot. Every problem is reported at once, each naming
 * the entry (index and id) and the field; secrets are referred to by name and their values never appear
 * in a message.
 */
import * as v from 'valibot'
import { ConfigError, issuePath, secretName } from '../config'
import { SEVERITIES, type Severity } from '../types'

const DESTINATION_TYPES = ['webhook', 'slack', 'pagerduty', 'teams'] as const
type DestinationType = (typeof DESTINATION_TYPES)[number]

/** PagerDuty's Events API v2 endpoint, used when a `pagerduty` destination gives no `url`. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue'

export interface Destination {
  id: string
  /** Display name; rules' `destinations()` and `OutputIds` may use it instead of the id. */
  name?: string
  type: DestinationType
  /** Where to POST; for slack/teams it may instead come from the secret named by `secret`. */
  url?: string
  /** Alerts of these severities go here by default; absent: every severity. */
  severities?: Severity[]
  /**
   * Name of a secret (never its value). webhook: the `whsec_` signing secret; pagerduty: the routing
   * key; slack/teams: the incoming-webhook URL (those URLs are credentials).
   */
  secret?: string
  /** Base URL of the alert link: `<link>/alerts/<alertId>`. */
  link?: string
}

const httpUrl = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      const u = new URL(s)
      return u.protocol === 'https:' || u.protocol === 'http:'
    } catch {
      return false
    }
  }, 'must be an absolute http(s) URL'),
)

const severity = v.pipe(
  v.string(),
  v.transform((s) => s.toUpperCase()),
  v.picklist(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`),
)

const common = {
  id: v.pipe(
    v.string(),
    v.nonEmpty('must not be empty'),
    v.maxLength(128, 'must be at most 128 characters'),
  ),
  name: v.optional(v.pipe(v.string(), v.nonEmpty('must not be empty'))),
  severities: v.optional(v.array(severity)),
  secret: v.optional(secretName),
  link: v.optional(httpUrl),
}

const needsUrlOrSecret = <T extends { url?: string; secret?: string }>(what: string) =>
  v.check<T, string>(
    (d) => d.url !== undefined || d.secret !== undefined,
    `url: required (or secret naming a secret that holds the ${what} URL)`,
  )

const DestinationSchema = v.variant(
  'type',
  [
    v.strictObject({ ...common, type: v.literal('webhook'), url: httpUrl }),
    v.pipe(
      v.strictObject({ ...common, type: v.literal('slack'), url: v.optional(httpUrl) }),
      needsUrlOrSecret('Slack incoming-webhook'),
    ),
    v.pipe(
      v.strictObject({ ...common, type: v.literal('teams'), url: v.optional(httpUrl) }),
      needsUrlOrSecret('Teams Workflows webhook'),
    ),
    v.pipe(
      v.strictObject({ ...common, type: v.literal('pagerduty'), url: v.optional(httpUrl) }),
      v.check(
        (d) => d.secret !== undefined,
        'secret: required (the name of the secret holding the routing key)',
      ),
    ),
  ],
  `type: must be one of ${DESTINATION_TYPES.join(', ')}`,
)

const DestinationsSchema = v.array(DestinationSchema, 'must be a JSON array of destinations')

/** `[2] (id "ops")` for messages, from the raw entry. */
function entryLabel(raw: unknown, index: number): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined
  return typeof id === 'string' ? `[${index}] (id ${JSON.stringify(id)})` : `[${index}]`
}

const parsedCache = new Map<string, readonly Destination[]>()

/** Parses and validates the `DESTINATIONS` JSON; throws `ConfigError` listing every problem. */
export function parseDestinations(json: string | undefined): readonly Destination[] {
  const text = json === undefined || json.trim() === '' ? '[]' : json
  const cached = parsedCache.get(text)
  if (cached !== undefined) return cached
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('delivery configuration', [`DESTINATIONS: not valid JSON (${(err as Error).message})`])
  }
  const result = v.safeParse(DestinationsSchema, raw)
  const issues: string[] = []
  if (!result.success) {
    for (const issue of result.issues) {
      const index = issue.path?.[0]?.key
      const label =
        typeof index === 'number' && Array.isArray(raw) ? entryLabel(raw[index], index) : ''
      // The entry's own label replaces its `[i]`; what remains names the field (empty for whole-entry checks).
      const field = label === '' ? issuePath(issue) : issuePath(issue).replace(/^\[\d+\]/, '')
      issues.push(`DESTINATIONS${label}${field}: ${issue.message}`)
    }
    throw new ConfigError('delivery configuration', issues)
  }
  const destinations = result.output as Destination[]
  const seen = new Map<string, number>()
  destinations.forEach((d, i) => {
    for (const key of d.name === undefined || d.name === d.id ? [d.id] : [d.id, d.name]) {
      const first = seen.get(key)
      if (first !== undefined && first !== i) {
        issues.push(
          `DESTINATIONS${entryLabel(d, i)}: id or name ${JSON.stringify(key)} is already used by entry [${first}]`,
        )
      } else seen.set(key, i)
    }
  })
  if (issues.length > 0) throw new ConfigError('delivery configuration', issues)
  parsedCache.set(text, destinations)
  return destinations
}
