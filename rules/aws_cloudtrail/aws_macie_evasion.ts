/** Macie disabled, members or findings filters changed, findings archived: sensitive-data discovery weakened. */
import { patternMatch, py, type PantherEvent } from '#sdk'

const MACIE_EVENTS: ReadonlySet<string> = new Set([
  'ArchiveFindings',
  'CreateFindingsFilter',
  'DeleteMember',
  'DisassociateFromMasterAccount',
  'DisassociateMember',
  'DisableMacie',
  'DisableOrganizationAdminAccount',
  'UpdateFindingsFilter',
  'UpdateMacieSession',
  'UpdateMemberSession',
  'UpdateClassificationJob',
])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  // macie.amazonaws.com (Classic) and macie2.amazonaws.com
  return typeof name === 'string' && MACIE_EVENTS.has(name) && patternMatch(event.get('eventSource'), 'macie*.amazonaws.com')
}

export function title(event: PantherEvent): string {
  return py`AWS Macie in AWS Account [${event.get('recipientAccountId')}] Disabled/Updated by [${event.deepGet('userIdentity', 'arn')}]`
}
