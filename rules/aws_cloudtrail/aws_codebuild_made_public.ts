/** A CodeBuild project switched to public visibility. */
import { awsRuleContext, lookupAwsAccountName, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  const eventName = event.get('eventName')
  // upstream indexes event["eventName"]: an event without it is an error, not a miss
  if (eventName === undefined) throw new Error('eventName is missing')
  return (
    eventName === 'UpdateProjectVisibility' &&
    event.deepGet('requestParameters', 'projectVisibility') === 'PUBLIC_READ'
  )
}

export function title(event: PantherEvent): string {
  const account = lookupAwsAccountName(event.deepGet('recipientAccountId'))
  return py`AWS CodeBuild Project made Public by ${event.deepGet('userIdentity', 'arn')} in account ${account}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
