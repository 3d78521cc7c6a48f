/** An account trying to leave its AWS Organization; a refused attempt is HIGH instead of the YAML severity. */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  lookupAwsAccountName,
  py,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'LeaveOrganization'
}

export function title(event: PantherEvent): string {
  const account = lookupAwsAccountName(event.get('recipientAccountId'))
  const actor = event.udm('actor_user')
  if (!awsCloudtrailSuccess(event))
    return py`Failed attempt to remove ${account} from your AWS organization by ${actor}`
  return py`Account ${account} has been removed from your AWS organization by ${actor}`
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'HIGH'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
