/** A Database Activity Stream stopped: real-time monitoring of database activity is switched off. */
import { awsRuleContext, py, rdsActor, rdsCallSucceeded, type PantherEvent } from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['StopActivityStream'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const resource = (event.deepGetOr('<UNKNOWN>', 'requestParameters', 'resourceArn') as string).split(':').at(-1)
  return py`RDS Activity Stream Stopped: [${resource}] by [${rdsActor(event)}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    resource_arn: event.deepGetOr('N/A', 'requestParameters', 'resourceArn'),
    apply_immediately: event.deepGetOr('N/A', 'requestParameters', 'applyImmediately'),
  }
}
