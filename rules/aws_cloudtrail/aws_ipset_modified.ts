/** GuardDuty or WAF trusted IP sets created or updated: traffic from listed IPs stops being flagged. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

const IPSET_ACTIONS: ReadonlySet<string> = new Set(['CreateIPSet', 'UpdateIPSet'])
const IPSET_SOURCES: ReadonlySet<string> = new Set(['guardduty.amazonaws.com', 'wafv2.amazonaws.com'])

export function rule(event: PantherEvent): boolean {
  const source = event.get('eventSource', '')
  const name = event.get('eventName', '')
  return (
    typeof source === 'string' &&
    IPSET_SOURCES.has(source) &&
    typeof name === 'string' &&
    IPSET_ACTIONS.has(name)
  )
}

export function title(event: PantherEvent): string {
  return py`IPSet was modified in [${event.get('recipientAccountId', '')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
