/** Portions of an RDS log file downloaded (logs can hold credentials, queries and application secrets). */
import {
  awsRuleContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsResourceKey,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['DownloadDBLogFilePortion'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const database = event.deepGetOr('<UNKNOWN>', 'requestParameters', 'dBInstanceIdentifier')
  const logFile = event.deepGetOr('<UNKNOWN_FILE>', 'requestParameters', 'logFileName')
  return py`RDS Log Downloaded: [${logFile}] from [${database}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(
    event,
    event.deepGetOr('unknown', 'requestParameters', 'dBInstanceIdentifier'),
    event.deepGetOr('unknown', 'requestParameters', 'logFileName'),
  )
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    log_file_name: event.deepGetOr('N/A', 'requestParameters', 'logFileName'),
    marker: event.deepGetOr('N/A', 'requestParameters', 'marker'),
    number_of_lines: event.deepGetOr('N/A', 'requestParameters', 'numberOfLines'),
  }
}
