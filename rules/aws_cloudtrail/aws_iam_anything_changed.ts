/** Any successful write call to IAM. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

const WRITE_PREFIXES = [
  'Add',
  'Attach',
  'Change',
  'Create',
  'Deactivate',
  'Delete',
  'Detach',
  'Enable',
  'Put',
  'Remove',
  'Set',
  'Update',
  'Upload',
]

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventSource') !== 'iam.amazonaws.com') return false
  const name = event.get('eventName', '') as string
  return WRITE_PREFIXES.some((prefix) => name.startsWith(prefix))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
