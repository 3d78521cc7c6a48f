/** Container registry reads and writes by anyone but the deployment roles. */
import { awsRuleContext, patternMatch, py, type PantherEvent } from '#sdk'

const ECR_CRUD_EVENTS: ReadonlySet<string> = new Set([
  'BatchCheckLayerAvailability',
  'BatchDeleteImage',
  'BatchGetImage',
  'CompleteLayerUpload',
  'CreateRepository',
  'DeleteRepository',
  'DeleteRepositoryPolicy',
  'GetAuthorizationToken',
  'GetDownloadUrlForLayer',
  'GetRepositoryPolicy',
  'InitiateLayerUpload',
  'PutImage',
  'SetRepositoryPolicy',
  'UploadLayerPart',
])

/** CONFIGURATION: principals (wildcard patterns on the caller ARN) expected to push and pull images. */
const ALLOWED_ROLES = ['*DeployRole']

function callerArn(event: PantherEvent): string {
  return event.deepGetOr('unknown-arn', 'userIdentity', 'arn') as string
}

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  if (event.get('eventSource') !== 'ecr.amazonaws.com' || typeof name !== 'string' || !ECR_CRUD_EVENTS.has(name)) {
    return false
  }
  return !ALLOWED_ROLES.some((role) => patternMatch(callerArn(event), role))
}

export function title(event: PantherEvent): string {
  return py`[${callerArn(event)}] performed ECR ${event.get('eventName')} in [${event.get('recipientAccountId')} ${event.get('awsRegion')}].`
}

export function dedup(event: PantherEvent): string {
  return py`${callerArn(event)}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
