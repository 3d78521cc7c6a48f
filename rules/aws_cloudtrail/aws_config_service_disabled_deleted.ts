/** AWS Config recording stopped or its delivery channel deleted. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

const CONFIG_TEARDOWN_CALLS = new Set(['StopConfigurationRecorder', 'DeleteDeliveryChannel'])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && CONFIG_TEARDOWN_CALLS.has(event.get('eventName') as string)
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
