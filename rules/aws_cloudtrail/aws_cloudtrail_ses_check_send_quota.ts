/** Signal: a read of the SES sending quota (Trusted Advisor's own checks excluded), part of SES reconnaissance. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'GetSendQuota') return false
  return (
    event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'userName') !==
    'AWSServiceRoleForTrustedAdvisor'
  )
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    accountRegion: py`${event.get('recipientAccountId')}_${event.get('eventRegion')}`,
  }
}
