/**
 * Layers added to a Lambda function by a person rather than a pipeline role. A layer's extension runs
 * before the handler, which makes it a quiet way to persist in a function.
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGet,
  isHumanCaller,
  py,
  truthy,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 'lambda.amazonaws.com' &&
    event.get('eventName') === 'UpdateFunctionConfiguration20150331v2' &&
    truthy(event.deepGet('responseElements', 'layers')) &&
    isHumanCaller(event)
  )
}

export function title(event: PantherEvent): string {
  const fn = event.deepGetOr('LAMBDA_NAME_NOT_FOUND', 'responseElements', 'functionName')
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] updated Lambda function configuration with layers for [${fn}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const layers = event.deepGetOr([], 'responseElements', 'layers')
  return {
    ...awsRuleContext(event),
    identity_type: event.deepGet('userIdentity', 'type') ?? null,
    user_arn: event.deepGet('userIdentity', 'arn') ?? null,
    layer_arns: Array.isArray(layers) ? layers.map((layer) => deepGet(layer, 'arn') ?? null) : [],
  }
}
