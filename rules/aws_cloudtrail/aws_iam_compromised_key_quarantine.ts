/** AWS attached its compromised-key quarantine policy to an IAM identity. */
import { py, type PantherEvent } from '#sdk'

const ATTACH_CALLS = new Set(['AttachUserPolicy', 'AttachGroupPolicy', 'AttachRolePolicy'])
const QUARANTINE_POLICY = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource', '') === 'iam.amazonaws.com' &&
    ATTACH_CALLS.has(event.get('eventName', '') as string) &&
    event.deepGetOr('', 'requestParameters', 'policyArn') === QUARANTINE_POLICY
  )
}

export function title(event: PantherEvent): string {
  const account = event.get('recipientAccountId', '<ACCOUNT_ID_NOT_FOUND>')
  const user = event.deepGetOr('<USER_NAME_NOT_FOUND>', 'requestParameters', 'userName')
  return py`Compromised Key quarantined for [${user}] in AWS Account [${account}]`
}
