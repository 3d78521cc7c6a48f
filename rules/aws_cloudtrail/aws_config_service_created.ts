/** An AWS Config recorder or delivery channel created or started. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

const CONFIG_SETUP_CALLS = new Set([
  'PutDeliveryChannel',
  'PutConfigurationRecorder',
  'StartConfigurationRecorder',
])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && CONFIG_SETUP_CALLS.has(event.get('eventName') as string)
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
