/**
 * A resource policy change that opens an S3 bucket, ECR repository, OpenSearch domain, KMS key, Glacier
 * vault, SNS topic, SQS queue or secret to the internet. A wildcard principal limited to the caller's
 * AWS Organization (PrincipalOrgID and similar conditions) does not count as public.
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGetOr,
  firstTruthy,
  policyIsInternetAccessible,
  py,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

/** Where each call carries the new policy inside requestParameters. */
const POLICY_LOCATION: ReadonlyMap<string, readonly string[]> = new Map([
  ['PutBucketPolicy', ['bucketPolicy']],
  ['SetRepositoryPolicy', ['policyText']],
  ['CreateElasticsearchDomain', ['accessPolicies']],
  ['UpdateElasticsearchDomainConfig', ['accessPolicies']],
  ['CreateKey', ['policy']],
  ['PutKeyPolicy', ['policy']],
  ['SetVaultAccessPolicy', ['policy', 'policy']],
  ['SetQueueAttributes', ['attributes', 'Policy']],
  ['CreateTopic', ['attributes', 'Policy']],
  ['PutResourcePolicy', ['resourcePolicy']],
])

const ORG_CONDITION_KEYS = [
  'principalorgid',
  'sourceorgid',
  'principalorgpaths',
  'orgid',
  'orgpath',
]

type Doc = Record<string, unknown>
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v)
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v])

/** The principals a statement names, as policyuniverse lists them (`*` for an anonymous principal). */
function principalsOf(statement: Doc): string[] {
  const principal = statement.Principal
  if (principal === undefined || principal === null) return []
  if (!isDoc(principal)) return asList(principal).map(String)
  return Object.values(principal).flatMap((v) => asList(v).map(String))
}

/** Whether a statement's conditions tie the caller to an AWS Organization or organizational unit. */
function hasOrganizationCondition(statement: Doc): boolean {
  const condition = statement.Condition
  if (!isDoc(condition)) return false
  for (const block of Object.values(condition)) {
    if (!isDoc(block)) continue
    for (const key of Object.keys(block)) {
      const lower = key.toLowerCase()
      if (ORG_CONDITION_KEYS.some((k) => lower.includes(k))) return true
    }
  }
  return false
}

function isPublic(policy: JsonValue | undefined): boolean {
  if (!truthy(policy)) return false
  let document: unknown = policy
  if (typeof policy === 'string') {
    try {
      document = JSON.parse(policy)
    } catch {
      return false
    }
  }
  if (!policyIsInternetAccessible(document)) return false
  const statements = asList((document as Doc).Statement)
  return statements.some(
    (s) =>
      isDoc(s) &&
      s.Effect === 'Allow' &&
      principalsOf(s).includes('*') &&
      !hasOrganizationCondition(s),
  )
}

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event)) return false
  // The name before the parameters: the rule index then skips this rule for other events.
  const eventName = event.get('eventName', '')
  if (eventName !== 'SetTopicAttributes' && !POLICY_LOCATION.has(eventName as string)) return false
  const parameters = event.get('requestParameters', {})
  if (!truthy(parameters)) return false
  if (
    eventName === 'SetTopicAttributes' &&
    deepGetOr(parameters, '', 'attributeName') === 'Policy'
  ) {
    return isPublic(deepGetOr(parameters, {}, 'attributeValue'))
  }
  const location = POLICY_LOCATION.get(eventName as string)
  if (location === undefined) return false
  return isPublic(deepGetOr(parameters, {}, ...location))
}

export function title(event: PantherEvent): string {
  const user = firstTruthy(
    event.deepGet('userIdentity', 'userName'),
    event.deepGetOr(
      '<MISSING_USER>',
      'userIdentity',
      'sessionContext',
      'sessionIssuer',
      'userName',
    ),
  )
  const resources = event.get('Resources')
  if (truthy(resources)) {
    const first = Array.isArray(resources) ? resources[0] : undefined
    return py`Resource ${deepGetOr(first, 'MISSING', 'arn')} made public by ${user}`
  }
  return py`${event.get('eventSource', 'MISSING SOURCE')} resource made public by ${user}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
