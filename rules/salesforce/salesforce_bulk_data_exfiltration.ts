/**
 * Completed Salesforce Bulk API jobs (BulkApiResultEventStore). Severity follows the operation and the
 * number of records: bulk queries are the usual exfiltration path, bulk deletes the destructive one.
 */
import { py, type JsonValue, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('EVENT_TYPE') === 'BulkApiResultEventStore'
}

/** Python's `f"{n:,}"`: thousands separated by commas. */
function withThousands(value: JsonValue | undefined): string {
  if (typeof value !== 'number') throw new TypeError(py`a row count must be a number, not ${value}`)
  const [whole, fraction] = String(Math.abs(value)).split('.')
  const grouped = (whole as string).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return (value < 0 ? '-' : '') + grouped + (fraction === undefined ? '' : `.${fraction}`)
}

function records(event: PantherEvent): number {
  const value = event.get('RECORDS_PROCESSED', 0)
  return typeof value === 'number' ? value : Number.NaN
}

export function title(event: PantherEvent): string {
  const user = event.get('USER_NAME', event.get('USER_ID', '<UNKNOWN_USER>'))
  const operation = event.get('OPERATION_TYPE', '<UNKNOWN_OPERATION>')
  const entity = event.get('ENTITY_NAME', '<UNKNOWN_ENTITY>')
  const count = withThousands(event.get('RECORDS_PROCESSED', 0))
  return py`Salesforce Bulk API: ${operation} on ${entity} (${count} records) - User: ${user}`
}

export function severity(event: PantherEvent): string {
  const operation = event.get('OPERATION_TYPE', '')
  const n = records(event)
  if (operation === 'query' || operation === 'queryAll') {
    if (n >= 100_000) return 'CRITICAL'
    if (n >= 50_000) return 'HIGH'
    if (n >= 10_000) return 'MEDIUM'
    return 'DEFAULT'
  }
  if (operation === 'delete' || operation === 'hardDelete') {
    if (n >= 10_000) return 'HIGH'
    if (n >= 1_000) return 'MEDIUM'
    return 'DEFAULT'
  }
  if (n >= 50_000) return 'HIGH'
  if (n >= 10_000) return 'MEDIUM'
  return 'DEFAULT'
}

export function dedup(event: PantherEvent): string {
  return py`SF_BULK_API_${event.get('JOB_ID', 'unknown')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const field = (name: string) => event.get(name) ?? null
  return {
    'Job ID': field('JOB_ID'),
    'User ID': field('USER_ID'),
    Username: field('USER_NAME'),
    'Operation Type': field('OPERATION_TYPE'),
    'Entity Name': field('ENTITY_NAME'),
    'Records Processed': field('RECORDS_PROCESSED'),
    'Number of Batches': field('NUMBER_OF_BATCHES'),
    'API Version': field('API_VERSION'),
    'Source IP': field('SOURCE_IP'),
    'Request ID': field('REQUEST_ID'),
    'Organization ID': field('ORGANIZATION_ID'),
    'Job Type': field('JOB_TYPE'),
  }
}
