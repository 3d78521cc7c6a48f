/**
 * S3 protections turned off on a bucket (access logging, versioning, MFA Delete). The YAML Threshold
 * counts distinct `unique()` values, i.e. distinct kinds of control disabled within the window.
 */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const VERSIONING_OFF = new Set(['Suspended', 'Disabled'])

function versioningChange(event: PantherEvent): { versioningOff: boolean; mfaOff: boolean } {
  const status = event.deepGetOr('', 'requestParameters', 'VersioningConfiguration', 'Status')
  const mfaDelete = event.deepGetOr('', 'requestParameters', 'VersioningConfiguration', 'MfaDelete')
  return { versioningOff: VERSIONING_OFF.has(status as string), mfaOff: mfaDelete === 'Disabled' }
}

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventSource') !== 's3.amazonaws.com') return false
  const name = event.get('eventName')
  if (name === 'PutBucketLogging') return event.deepGet('requestParameters', 'logging') === ''
  if (name === 'PutBucketVersioning') {
    const { versioningOff, mfaOff } = versioningChange(event)
    return versioningOff || mfaOff
  }
  return false
}

export function unique(event: PantherEvent): string {
  if (event.get('eventName') === 'PutBucketLogging') return 'logging_disabled'
  // One PutBucketVersioning call may turn off both; it then counts once toward the threshold.
  const { versioningOff, mfaOff } = versioningChange(event)
  if (versioningOff && mfaOff) return 'versioning_and_mfa_disabled'
  return versioningOff ? 'versioning_suspended' : 'mfa_delete_disabled'
}

function bucket(event: PantherEvent): unknown {
  return event.deepGetOr('UNKNOWN_BUCKET', 'requestParameters', 'bucketName')
}

export function dedup(event: PantherEvent): string {
  return py`${bucket(event)}:${event.deepGetOr('UNKNOWN_ACTOR', 'userIdentity', 'arn')}`
}

export function title(event: PantherEvent): string {
  return py`[AWS.S3] Multiple security controls disabled on bucket [${bucket(event)}] by [${event.udm('actor_user')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), bucketName: bucket(event) }
}
