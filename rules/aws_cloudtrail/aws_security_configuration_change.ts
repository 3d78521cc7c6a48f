/**
 * Account-wide security controls switched off or deleted (trails, GuardDuty detectors, Config recording,
 * flow logs, EventBridge rules, default EBS encryption, S3 account public access block).
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  firstTruthy,
  mockedValue,
  patternMatch,
  py,
  truthy,
  type PantherEvent,
} from '#sdk'

const SECURITY_CONTROL_CALLS = new Set([
  'DeleteAccountPublicAccessBlock',
  'DeleteDeliveryChannel',
  'DeleteDetector',
  'DeleteFlowLogs',
  'DeleteRule',
  'DeleteTrail',
  'DisableEbsEncryptionByDefault',
  'DisableRule',
  'StopConfigurationRecorder',
  'StopLogging',
])

interface AllowEntry {
  userName: string
  eventName: string
}

/** Configuration: expected changes, as shell patterns on the role's user name and the event name. */
const ALLOW_LIST: readonly AllowEntry[] = []

/** The allow list, or the JSON list a test mocks in its place. */
function allowList(): readonly AllowEntry[] {
  const value = mockedValue('ALLOW_LIST', ALLOW_LIST)
  if (typeof value === 'string') return JSON.parse(value) as AllowEntry[]
  if (typeof value === 'boolean') throw new TypeError('ALLOW_LIST mock must be a JSON list')
  return value
}

export function rule(event: PantherEvent): boolean {
  const allowed = allowList()
  if (!awsCloudtrailSuccess(event)) return false
  // Only these calls can match: deciding on the name first lets the rule index skip the rest.
  const eventName = event.get('eventName')
  if (eventName !== 'UpdateDetector' && !SECURITY_CONTROL_CALLS.has(eventName as string))
    return false
  const roleUser = event.deepGetOr(
    '',
    'userIdentity',
    'sessionContext',
    'sessionIssuer',
    'userName',
  )
  for (const entry of allowed) {
    if (
      patternMatch(roleUser, entry.userName) &&
      patternMatch(event.get('eventName'), entry.eventName)
    )
      return false
  }
  if (event.get('eventName') === 'UpdateDetector') {
    return !truthy(event.deepGetOr(true, 'requestParameters', 'enable'))
  }
  return SECURITY_CONTROL_CALLS.has(event.get('eventName') as string)
}

export function title(event: PantherEvent): string {
  const user = firstTruthy(
    event.deepGet('userIdentity', 'userName'),
    event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'userName'),
  )
  return py`Sensitive AWS API call ${event.get('eventName')} made by ${user}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
