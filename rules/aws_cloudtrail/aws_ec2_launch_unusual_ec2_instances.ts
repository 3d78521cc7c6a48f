/** EC2 instances launched with a type the organization does not use (e.g. GPU types used for mining). */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGetOr,
  lookupAwsAccountName,
  mockable,
  py,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

/** Configuration: instance types not expected in this environment. */
const UNUSUAL_INSTANCE_TYPES: ReadonlySet<string> = new Set(['p2.xlarge'])

const unusualInstanceTypes = mockable(
  'get_unusual_instance_types',
  (): ReadonlySet<string> => UNUSUAL_INSTANCE_TYPES,
)

/** The launched type: requestParameters.instanceType is either a string or `{value: ...}`. */
function instanceType(event: PantherEvent): JsonValue {
  const value = event.deepGetOr('<UNKNOWN INSTANCE TYPE>', 'requestParameters', 'instanceType')
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return deepGetOr(value, '<UNKNOWN INSTANCE TYPE>', 'value')
  }
  return value
}

function isUnusual(type: JsonValue): boolean {
  const unusual = unusualInstanceTypes()
  // a test mocks the set with a plain string, where Python's `in` is a substring test
  if (typeof unusual === 'string') {
    if (typeof type !== 'string')
      throw new TypeError('requestParameters.instanceType must be a string')
    return unusual.includes(type)
  }
  if (typeof unusual === 'boolean') throw new TypeError('the unusual instance types mock must be a list or a string')
  return unusual.has(type as string)
}

export function rule(event: PantherEvent): boolean {
  // Name and source first: the rule index then skips this rule for every other kind of event.
  if (event.get('eventName') !== 'RunInstances' || event.get('eventSource') !== 'ec2.amazonaws.com')
    return false
  return isUnusual(instanceType(event))
}

export function title(event: PantherEvent): string {
  const account = lookupAwsAccountName(event.get('recipientAccountId'))
  return py`EC2 instance with a suspicious type '${instanceType(event)}' was launched in in ${account}`
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'LOW'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), instanceType: instanceType(event) }
}
