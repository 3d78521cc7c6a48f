/** IAM policies created, changed, deleted, attached or detached (inline and managed). */
import { awsCloudtrailSuccess, awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

const POLICY_CHANGES: ReadonlySet<string> = new Set([
  // inline policies
  'DeleteGroupPolicy',
  'DeleteRolePolicy',
  'DeleteUserPolicy',
  'PutGroupPolicy',
  'PutRolePolicy',
  'PutUserPolicy',
  // managed policies and their attachments
  'CreatePolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return awsCloudtrailSuccess(event) && typeof name === 'string' && POLICY_CHANGES.has(name)
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
