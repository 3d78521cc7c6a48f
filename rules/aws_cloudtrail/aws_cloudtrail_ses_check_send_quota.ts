/** Signal: a read of the SES sending quota (Trusted Advisor's own checks excluded), part of SES reconnaissance. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

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
