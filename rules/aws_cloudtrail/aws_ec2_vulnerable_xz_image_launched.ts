/** Instances launched from an AMI that ships the backdoored xz/liblzma (CVE-2024-3094). */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  py,
  XZ_AMIS,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

function launched(event: PantherEvent, field: string, fallback: string): JsonValue | undefined {
  return event.deepWalk(['responseElements', 'instancesSet', 'items', field], { fallback, returnVal: 'all' })
}

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'RunInstances') return false
  const amis = launched(event, 'imageId', '<AMI ID not found>')
  const list = Array.isArray(amis) ? amis : [amis]
  return list.some((ami) => typeof ami === 'string' && XZ_AMIS.has(ami))
}

export function title(event: PantherEvent): string {
  const amis = launched(event, 'imageId', '<AMI ID not found>')
  const instances = launched(event, 'instanceId', '<Instance ID not found>')
  return py`Instance ${instances} launched with vulnerable AMI: ${amis}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
