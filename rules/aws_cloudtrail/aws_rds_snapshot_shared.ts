/** An RDS snapshot's restore permission granted to other accounts (sharing the database's data). */
import { awsRuleContext, py, truthy, type PantherEvent } from '#sdk'

/** CONFIGURATION: account ids snapshots may be shared with. */
const ALLOWED_ACCOUNTS: ReadonlySet<unknown> = new Set()

const SHARE_EVENTS: ReadonlySet<unknown> = new Set(['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'])

export function rule(event: PantherEvent): boolean {
  if (
    event.get('eventSource', '') !== 'rds.amazonaws.com' ||
    !SHARE_EVENTS.has(event.get('eventName', '')) ||
    event.deepGet('requestParameters', 'attributeName') !== 'restore'
  ) {
    return false
  }
  const accounts = event.deepGetOr([], 'requestParameters', 'valuesToAdd')
  return Array.isArray(accounts) && accounts.some((account) => truthy(account) && !ALLOWED_ACCOUNTS.has(account))
}

export function title(event: PantherEvent): string {
  const account = event.get('recipientAccountId', '<ACCOUNT_ID_NOT_FOUND>')
  const instance = event.deepGetOr('<DB_INSTANCE_ID_NOT_FOUND>', 'responseElements', 'dBInstanceIdentifier')
  return py`RDS Snapshot Shared in [${account}] for RDS instance [${instance}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
