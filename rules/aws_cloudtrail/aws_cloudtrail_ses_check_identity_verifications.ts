/** Signal: a read of verification status of SES identities, part of SES reconnaissance. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'GetIdentityVerificationAttributes'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    accountRegion: py`${event.get('recipientAccountId')}_${event.get('eventRegion')}`,
  }
}
