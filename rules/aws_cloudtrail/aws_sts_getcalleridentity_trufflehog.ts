/** STS GetCallerIdentity called by TruffleHog: someone is checking whether found AWS keys are live. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  // Source and name before the agent: the rule index then skips this rule for other events.
  if (event.get('eventSource') !== 'sts.amazonaws.com') return false
  if (event.get('eventName') !== 'GetCallerIdentity') return false
  const agent = event.get('userAgent', '')
  return (
    typeof agent === 'string' &&
    agent.toLowerCase().includes('trufflehog')
  )
}

export function title(event: PantherEvent): string {
  return py`TruffleHog credential validation detected from [${event.get('sourceIPAddress', '<unknown>')}] as [${event.deepGetOr('<unknown>', 'userIdentity', 'arn')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
