/** Removal of Amazon Bedrock's model invocation logging configuration. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

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
