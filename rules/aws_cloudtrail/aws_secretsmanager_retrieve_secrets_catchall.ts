/**
 * Secrets Manager BatchGetSecretValue with a catch-all filter: every filter is a `tag-key` filter whose
 * values are all negations (`!key`), which selects every secret.
 */
import { awsRuleContext, deepGet, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'BatchGetSecretValue') return false
  const filters = event.deepGetOr([], 'requestParameters', 'filters')
  if (!Array.isArray(filters)) return true
  for (const filter of filters) {
    if (deepGet(filter, 'key') !== 'tag-key') return false
    const values = deepGet(filter, 'values')
    if (!Array.isArray(values)) return false
    if (values.some((value) => typeof value !== 'string' || !value.startsWith('!'))) return false
  }
  return true
}

export function title(event: PantherEvent): string {
  return py`[${event.udm('actor_user')}] attempted to batch retrieve secrets from AWS Secrets Manager with a catch-all filter`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
