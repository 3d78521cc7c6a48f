/**
 * EC2 instance role credentials (sessions named after the instance id) used from a public address and
 * not by an AWS service on the instance's behalf: credentials read from the instance metadata service
 * and taken elsewhere. Sources in Amazon's own ASN (ipinfo enrichment) are lowered to INFO.
 */
import {
  awsRuleContext,
  getIpinfoAsn,
  isIpAddress,
  isPrivateIp,
  linearRegExp,
  py,
  type PantherEvent,
} from '#sdk'

// RE2: the ARN is event text, and this pattern backtracks quadratically in a JavaScript RegExp.
const INSTANCE_SESSION = linearRegExp(':assumed-role/.+/i-[0-9a-f]+$')
const INTERNAL_SOURCES = new Set([
  'ssm.amazonaws.com',
  'ec2messages.amazonaws.com',
  'ssmmessages.amazonaws.com',
])
const INTERNAL_EVENTS = new Set(['RegisterManagedInstance'])
const INTERNAL_IPS = new Set(['AWS Internal'])

export function rule(event: PantherEvent): boolean {
  // Source and name first: the rule index then skips this rule for those events unread.
  if (INTERNAL_SOURCES.has(event.get('eventSource') as string)) return false
  if (INTERNAL_EVENTS.has(event.get('eventName') as string)) return false
  const arn = event.deepGetOr('', 'userIdentity', 'arn') as string
  if (!INSTANCE_SESSION.test(arn)) return false
  if ((event.deepGetOr('', 'userIdentity', 'invokedBy') as string).endsWith('.amazonaws.com'))
    return false
  const sourceIp = event.get('sourceIPAddress', '') as string
  if (INTERNAL_IPS.has(sourceIp) || sourceIp.endsWith('.amazonaws.com')) return false
  return isIpAddress(sourceIp) && !isPrivateIp(sourceIp)
}

export function severity(event: PantherEvent): string {
  const asn = getIpinfoAsn(event)
  return asn !== null && asn.domain('sourceIPAddress') === 'amazon.com' ? 'INFO' : 'DEFAULT'
}

export function title(event: PantherEvent): string {
  const arn = event.deepGetOr('<unknown>', 'userIdentity', 'arn')
  const ip = event.get('sourceIPAddress', '<unknown>')
  const action = event.get('eventName', '<unknown>')
  return py`IMDS instance credential [${arn}] used from [${ip}] to call [${event.get('eventSource', '')}:${action}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
