/** Security Hub findings or insights changed or removed, which can hide evidence. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

const EVASION_OPERATIONS = new Set(['BatchUpdateFindings', 'DeleteInsight', 'UpdateFindings', 'UpdateInsight'])

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource', '') === 'securityhub.amazonaws.com' &&
    EVASION_OPERATIONS.has(event.get('eventName', '') as string)
  )
}

export function title(event: PantherEvent): string {
  return py`SecurityHub Findings have been modified in account: [${event.get('recipientAccountId', '')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
