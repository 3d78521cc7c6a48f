/**
 * `aws_regions()` of Panther's AWS helpers: the commercial AWS regions, for rules that recognise
 * per-region names (e.g. Panther's own `PantherAuditRole-<region>` scanning role).
 */
export const AWS_REGIONS: readonly string[] = [
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ca-central-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
]

const REGION_SET: ReadonlySet<string> = new Set(AWS_REGIONS)

/** `aws_regions()`. */
export function awsRegions(): readonly string[] {
  return AWS_REGIONS
}

/** Whether `name` is one of `awsRegions()`. */
export function isAwsRegion(name: unknown): boolean {
  return typeof name === 'string' && REGION_SET.has(name)
}
