/** Default encryption of new EBS volumes switched off in a region. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

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
