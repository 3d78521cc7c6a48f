/** The master user password of an RDS instance changed. */
import { py, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'ModifyDBInstance' &&
    event.get('eventSource') === 'rds.amazonaws.com' &&
    truthy(event.deepGet('responseElements', 'pendingModifiedValues', 'masterUserPassword'))
  )
}

export function title(event: PantherEvent): string {
  return py`RDS Master Password Updated on [${event.deepGet('responseElements', 'dBInstanceArn')}]`
}
