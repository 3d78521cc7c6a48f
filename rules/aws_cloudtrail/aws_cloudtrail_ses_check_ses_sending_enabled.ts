/** Signal: a read of whether SES sending is enabled, part of SES reconnaissance. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'GetAccountSendingEnabled'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    accountRegion: py`${event.get('recipientAccountId')}_${event.get('eventRegion')}`,
  }
}
