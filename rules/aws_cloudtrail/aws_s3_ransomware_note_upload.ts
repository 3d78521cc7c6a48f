/** An uploaded S3 object whose file name matches common ransom-note naming. */
import { awsCloudtrailSuccess, awsRuleContext, deepGet, py, type PantherEvent } from '#sdk'

const TXT_OR_HTML = String.raw`.*\.(txt|html?)$`
const SEP = '[_-]?'
/** Ransom-note file names, matched case-insensitively from the start of the name. */
const RANSOM_NOTES: readonly RegExp[] = [
  String.raw`(ransom|payment)${SEP}(note|info|instructions?)`,
  String.raw`how${SEP}to${SEP}(decrypt|restore|recover)${SEP}(your${SEP})?files`,
  String.raw`decrypt${SEP}(instructions?|guide|info|your${SEP}files)`,
  String.raw`restore${SEP}(instructions?|guide|info|your${SEP}files)`,
  String.raw`recovery${SEP}(instructions?|key|guide)`,
  String.raw`(all${SEP})?files?${SEP}(have${SEP}been${SEP})?(encrypted|locked)`,
  String.raw`your${SEP}files?${SEP}(are|have${SEP}been)${SEP}(encrypted|locked)`,
  String.raw`data${SEP}(has${SEP}been${SEP})?(encrypted|locked)`,
  String.raw`unlock${SEP}(instructions?|guide|your${SEP}files)`,
  String.raw`help${SEP}(restore|decrypt|recover)${SEP}(your${SEP})?files`,
  String.raw`read${SEP}(me|this)${SEP}(first|now|urgent|important)`,
].map((p) => new RegExp(`^${p}${TXT_OR_HTML}`, 'i'))

/** The object's file name: the last path segment of the request key, else of the object ARN's key. */
function extractFilename(event: PantherEvent): string {
  let key = event.deepGetOr('', 'requestParameters', 'key')
  if (!key) {
    const resources = event.get('resources', [])
    if (Array.isArray(resources)) {
      for (const resource of resources) {
        if (deepGet(resource, 'type') !== 'AWS::S3::Object') continue
        const arn = deepGet(resource, 'arn') ?? ''
        if (typeof arn === 'string' && arn.includes('/')) {
          key = arn.slice(arn.indexOf('/') + 1)
          break
        }
      }
    }
  }
  const name = typeof key === 'string' ? key : py`${key}`
  return name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name
}

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'PutObject' || !awsCloudtrailSuccess(event)) return false
  const filename = extractFilename(event)
  return RANSOM_NOTES.some((pattern) => pattern.test(filename))
}

export function title(event: PantherEvent): string {
  const bucket = event.deepGetOr('<UNKNOWN_BUCKET>', 'requestParameters', 'bucketName')
  return py`[AWS.CloudTrail] Potential ransomware note uploaded to S3: [${extractFilename(event)}] in bucket [${bucket}] by user [${event.udm('actor_user')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    bucketName: event.deepGetOr('<UNKNOWN_BUCKET>', 'requestParameters', 'bucketName'),
    objectKey: event.deepGetOr('<UNKNOWN_KEY>', 'requestParameters', 'key'),
    filename: extractFilename(event),
  }
}
