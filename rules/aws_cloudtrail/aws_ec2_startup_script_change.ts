/** User data (the boot script run as root) set on an existing instance. */
import { awsRuleContext, py, strOrEmpty, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'ModifyInstanceAttribute' &&
    truthy(event.deepGet('requestParameters', 'userData'))
  )
}

export function title(event: PantherEvent): string {
  // upstream's title has a doubled space before the instance id; kept so titles stay identical
  return py`[${event.deepGet('userIdentity', 'arn')}] modified the startup script for  [${event.deepGet('requestParameters', 'instanceId')}] in [${event.get('recipientAccountId')}] - [${event.get('awsRegion')}]`
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.deepGet('requestParameters', 'instanceId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    instance_ids: [event.deepGet('requestParameters', 'instanceId') ?? null, 'no_instance_id'],
  }
}
