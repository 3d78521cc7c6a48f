/**
 * API calls denied with AccessDenied from addresses outside AWS's own ranges (MISP warning list
 * `amazon-aws`, when that enrichment is configured). The Threshold turns them into an alert per identity.
 */
import {
  awsRuleContext,
  getMispWarningLists,
  isIpAddress,
  py,
  strOrEmpty,
  type PantherEvent,
} from '#sdk'

/** Denials that are routine noise or expected from auditing tools. */
const IGNORED_CALLS = new Set(['DescribeEventAggregates', 'ListResourceTags'])

export function rule(event: PantherEvent): boolean {
  // Error code and name first: the rule index then skips this rule for other events.
  if (event.get('errorCode') !== 'AccessDenied') return false
  if (IGNORED_CALLS.has(event.get('eventName') as string)) return false
  const sourceIp = event.get('sourceIPAddress')
  // service principals (e.g. "sqs.amazonaws.com") appear instead of an address for calls AWS makes
  if (!isIpAddress(sourceIp)) return false
  const misp = getMispWarningLists(event)
  if (misp !== null && misp.hasWarningListId(sourceIp, 'amazon-aws')) return false
  return true
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.udm('actor_user'))
}

export function title(event: PantherEvent): string {
  return py`Access denied to ${event.deepGet('userIdentity', 'type')} [${event.udm('actor_user')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
