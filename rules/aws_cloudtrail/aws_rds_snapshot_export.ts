/** An RDS snapshot exported to S3 (StartExportTask): a complete copy of the data leaves the database. */
import {
  awsRuleContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsResourceKey,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['StartExportTask'])

/** The snapshot's name: the last segment of the source ARN. */
function exportedSnapshot(event: PantherEvent): string | undefined {
  const arn = event.deepGetOr('<UNKNOWN_SOURCE>', 'requestParameters', 'sourceArn') as string
  return arn.split(':').at(-1)?.split('/').at(-1)
}

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const bucket = event.deepGetOr('<UNKNOWN_BUCKET>', 'requestParameters', 's3BucketName')
  return py`RDS Snapshot Export: [${exportedSnapshot(event)}] exported to S3 bucket [${bucket}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, exportedSnapshot(event))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    export_task_id: event.deepGetOr('N/A', 'responseElements', 'exportTaskIdentifier'),
    source_arn: event.deepGetOr('N/A', 'requestParameters', 'sourceArn'),
    s3_bucket: event.deepGetOr('N/A', 'requestParameters', 's3BucketName'),
    s3_prefix: event.deepGetOr('N/A', 'requestParameters', 's3Prefix'),
    kms_key_id: event.deepGetOr('N/A', 'requestParameters', 'kmsKeyId'),
    iam_role_arn: event.deepGetOr('N/A', 'requestParameters', 'iamRoleArn'),
  }
}
