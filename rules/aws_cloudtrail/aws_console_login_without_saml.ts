/** A console sign-in that did not come through a SAML identity provider. */
import { awsRuleContext, deepGet, lookupAwsAccountName, py, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  const additional = event.get('additionalEventData', {})
  return (
    event.get('eventName') === 'ConsoleLogin' &&
    event.deepGet('userIdentity', 'type') !== 'AssumedRole' &&
    !truthy(deepGet(additional, 'SamlProviderArn'))
  )
}

export function title(event: PantherEvent): string {
  return py`AWS logins without SAML in account [${lookupAwsAccountName(event.get('recipientAccountId'))}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
