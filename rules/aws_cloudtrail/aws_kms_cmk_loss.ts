/** A customer managed KMS key disabled or scheduled for deletion: data encrypted under it becomes unreadable. */
import { awsCloudtrailSuccess, awsRuleContext, deepGet, strOrEmpty, type PantherEvent } from '#sdk'

const KEY_LOSS_EVENTS: ReadonlySet<string> = new Set(['DisableKey', 'ScheduleKeyDeletion'])
const KMS_KEY_TYPE = 'AWS::KMS::Key'

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return awsCloudtrailSuccess(event) && typeof name === 'string' && KEY_LOSS_EVENTS.has(name)
}

export function dedup(event: PantherEvent): string {
  const resources = event.get('resources')
  if (Array.isArray(resources)) {
    for (const resource of resources) {
      if ((deepGet(resource, 'type') ?? '') === KMS_KEY_TYPE) return strOrEmpty(deepGet(resource, 'ARN'))
    }
  }
  return strOrEmpty(event.get('eventName'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
