/**
 * Security groups created or opened in production accounts by anything other than the approved
 * deployment tooling (user agent) running as an approved role.
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  patternMatchList,
  pyStr,
  type PantherEvent,
} from '#sdk'

/** Configuration: production accounts, accepted deployment user agents and roles. */
const PROD_ACCOUNT_IDS = new Set(['11111111111111', '112233445566'])
const ALLOWED_USER_AGENTS = ['* HashiCorp/?.0 Terraform/*']
const ALLOWED_ROLE_NAMES = ['Operator', 'ContinousDeployment']

interface ChangeKind {
  fields: readonly string[]
  title: (fields: Readonly<Record<string, string>>) => string
}

const SG_CHANGES: ReadonlyMap<string, ChangeKind> = new Map([
  [
    'CreateSecurityGroup',
    {
      fields: ['groupName', 'vpcId'],
      title: (f) => `New security group [${f.groupName}] created by ${f.actor}`,
    },
  ],
  [
    'AuthorizeSecurityGroupIngress',
    {
      fields: ['groupId'],
      title: (f) => `User ${f.actor} has updated security group [${f.groupId}]`,
    },
  ],
  [
    'AuthorizeSecurityGroupEgress',
    {
      fields: ['groupId'],
      title: (f) => `User ${f.actor} has updated security group [${f.groupId}]`,
    },
  ],
])

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event)) return false
  if (!SG_CHANGES.has(event.get('eventName') as string)) return false
  if (!PROD_ACCOUNT_IDS.has(event.get('recipientAccountId') as string)) return false
  const approvedTool = patternMatchList(event.get('userAgent'), ALLOWED_USER_AGENTS)
  if (!approvedTool) return true
  const arn = event.deepGet('userIdentity', 'arn')
  if (typeof arn !== 'string') throw new TypeError('userIdentity.arn is missing')
  return !ALLOWED_ROLE_NAMES.some((role) => arn.includes(role))
}

function changeKind(event: PantherEvent): ChangeKind {
  const kind = SG_CHANGES.get(event.get('eventName') as string)
  if (kind === undefined) throw new Error(`no security group change is known for eventName ${pyStr(event.get('eventName'))}`)
  return kind
}

function fieldValues(event: PantherEvent, kind: ChangeKind): string[] {
  return kind.fields.map((f) => pyStr(event.deepGetOr('<UNKNOWN_FIELD>', 'requestParameters', f)))
}

export function dedup(event: PantherEvent): string {
  return fieldValues(event, changeKind(event)).join(':')
}

export function title(event: PantherEvent): string {
  const kind = changeKind(event)
  const values = fieldValues(event, kind)
  const fields: Record<string, string> = {}
  kind.fields.forEach((f, i) => (fields[f] = values[i] as string))
  const arn = event.deepGetOr('<UNKNOWN_USER>', 'userIdentity', 'arn') as string
  fields.actor = arn.split('/').pop() as string
  return kind.title(fields)
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
