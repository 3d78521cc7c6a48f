/**
 * An object copied (typically in place) under a KMS key from another account: the S3 ransomware pattern,
 * where only the attacker's key can decrypt the data afterwards.
 */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const KMS_KEY_FIELD = 'x-amz-server-side-encryption-aws-kms-key-id'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'CopyObject' || !awsCloudtrailSuccess(event)) return false
  const keyArn = event.deepGetOr('<UNKNOWN_KEY_ID>', 'requestParameters', KMS_KEY_FIELD) as string
  if (!keyArn.startsWith('arn:aws:kms:')) return false
  // arn:aws:kms:<region>:<account>:key/<id>
  const parts = keyArn.split(':')
  return parts.length >= 5 && parts[4] !== event.get('recipientAccountId', '')
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] encrypted an object in bucket [${event.deepGet('requestParameters', 'bucketName')}] with a KMS key belonging to a different account ID than the account owner ID`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const context: Record<string, unknown> = {
    ...awsRuleContext(event),
    bucketName: event.deepGetOr('<UNKNOWN_BUCKET>', 'requestParameters', 'bucketName'),
    objectKey: event.deepGetOr('<UNKNOWN_KEY>', 'requestParameters', 'key'),
  }
  const keyArn = event.deepGetOr('<UNKNOWN_KEY_ARN>', 'requestParameters', KMS_KEY_FIELD)
  context.kmsKeyId = keyArn
  if (typeof keyArn === 'string' && keyArn !== '') {
    const parts = keyArn.split(':')
    if (parts.length >= 5) {
      const bucketAccount = event.get('recipientAccountId', '') ?? null
      context.isCrossAccountKms = parts[4] !== bucketAccount
      context.kmsAccountId = parts[4]
      context.bucketAccountId = bucketAccount
    }
  }
  context.encryption = event.deepGetOr('<UNKNOWN_ENCRYPTION>', 'requestParameters', 'x-amz-server-side-encryption')
  return context
}
