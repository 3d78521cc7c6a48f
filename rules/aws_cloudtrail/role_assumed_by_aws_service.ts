/** Signal: an AWS service assumed an IAM role. */
import { truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'AssumeRole' &&
    truthy(event.deepGet('requestParameters', 'roleArn')) &&
    event.deepGet('userIdentity', 'type') === 'AWSService'
  )
}
