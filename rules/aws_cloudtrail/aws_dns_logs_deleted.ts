/** A Route 53 Resolver query logging configuration deleted. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && event.get('eventName') === 'DeleteResolverQueryLogConfig'
}

export function title(event: PantherEvent): string {
  const account = event.deepGetOr('<UNKNOWN ACCOUNT>', 'userIdentity', 'accountId')
  return py`DNS logs have been deleted in ${account} in ${event.get('awsRegion', '<UNKNOWN REGION>')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  // Upstream passes its placeholder to deep_get as a third key, not as the default, so the id read is
  // always null; kept identical to Panther's alerts.
  const logId =
    event.deepGet('requestParameters', 'resolverQueryLogConfigId', '<UNKNOWN LOG ID>') ?? null
  return { ...awsRuleContext(event), logId }
}
