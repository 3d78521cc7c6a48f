/** Signal: a read of whether SES sending is enabled, part of SES reconnaissance. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'GetAccountSendingEnabled'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    accountRegion: py`${event.get('recipientAccountId')}_${event.get('eventRegion')}`,
  }
}
