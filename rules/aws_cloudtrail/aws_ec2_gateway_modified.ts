/** Internet and customer gateways created, deleted, attached or detached; one alert per account. */
import { awsCloudtrailSuccess, awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

const GATEWAY_CALLS = new Set([
  'CreateCustomerGateway',
  'DeleteCustomerGateway',
  'AttachInternetGateway',
  'CreateInternetGateway',
  'DeleteInternetGateway',
  'DetachInternetGateway',
])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && GATEWAY_CALLS.has(event.get('eventName') as string)
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
