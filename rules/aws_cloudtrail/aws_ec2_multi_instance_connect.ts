/**
 * The same SSH public key pushed with EC2 Instance Connect to several instances: the Threshold counts
 * distinct instance ids (`unique`) per key (`dedup`).
 */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && event.get('eventName') === 'SendSSHPublicKey'
}

export function unique(event: PantherEvent): string {
  return String(event.deepGetOr('', 'requestParameters', 'instanceId'))
}

export function dedup(event: PantherEvent): string {
  return String(event.deepGetOr('', 'requestParameters', 'sSHPublicKey'))
}

export function title(event: PantherEvent): string {
  return py`${event.udm('actor_user')} uploaded an SSH Key to multiple instances in ${event.get('recipientAccountId')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    instanceId: event.deepGetOr('<UNKNOWN EC2 INSTANCE ID>', 'requestParameters', 'instanceId'),
  }
}
