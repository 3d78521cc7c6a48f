/** A Database Activity Stream stopped: real-time monitoring of database activity is switched off. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import { rdsActor, rdsCallSucceeded } from '../../src/engine/helpers/rds'
import type { PantherEvent } from '../../src/engine/rule-api'

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
