/** Removal of Amazon Bedrock's model invocation logging configuration. */
import { awsCloudtrailSuccess, awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource') === 'bedrock.amazonaws.com' &&
    event.get('eventName') === 'DeleteModelInvocationLoggingConfiguration' &&
    awsCloudtrailSuccess(event)
  )
}

export function title(event: PantherEvent): string {
  return py`User [${event.udm('actor_user')}] deleted Bedrock model invocation logging configuration`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
