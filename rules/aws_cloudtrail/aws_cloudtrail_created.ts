/** A CloudTrail trail created, updated or started. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const TRAIL_SETUP_CALLS = new Set(['CreateTrail', 'UpdateTrail', 'StartLogging'])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && TRAIL_SETUP_CALLS.has(event.get('eventName') as string)
}

export function title(event: PantherEvent): string {
  return py`CloudTrail [${event.deepGet('requestParameters', 'name')}] was created/updated`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
