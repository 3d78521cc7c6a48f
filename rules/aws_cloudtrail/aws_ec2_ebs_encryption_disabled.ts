/** Default encryption of new EBS volumes switched off in a region. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource') === 'ec2.amazonaws.com' &&
    event.get('eventName') === 'DisableEbsEncryptionByDefault'
  )
}

export function title(event: PantherEvent): string {
  return py`EC2 EBS Default Encryption was disabled in [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
