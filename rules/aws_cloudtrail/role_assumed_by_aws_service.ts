/** Signal: an AWS service assumed an IAM role. */
import { truthy } from '../../src/engine/event'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'AssumeRole' &&
    truthy(event.deepGet('requestParameters', 'roleArn')) &&
    event.deepGet('userIdentity', 'type') === 'AWSService'
  )
}
