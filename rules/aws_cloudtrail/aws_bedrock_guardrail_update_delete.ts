/** Amazon Bedrock guardrails changed or removed; a deletion keeps the YAML severity, an update is LOW. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const GUARDRAIL_CALLS = new Set(['DeleteGuardrail', 'UpdateGuardrail'])

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource') === 'bedrock.amazonaws.com' &&
    GUARDRAIL_CALLS.has(event.get('eventName') as string) &&
    awsCloudtrailSuccess(event)
  )
}

export function title(event: PantherEvent): string {
  // UpdateGuardrail → "update" → "updated"; DeleteGuardrail → "deleted"
  const verb = (event.get('eventName') as string).replace('Guardrail', '').toLowerCase()
  const guardrail = event.deepGet('requestParameters', 'guardrailIdentifier')
  return py`User [${event.udm('actor_user')}] ${verb}d Bedrock guardrail [${guardrail}]`
}

export function severity(event: PantherEvent): string {
  return event.get('eventName') === 'UpdateGuardrail' ? 'LOW' : 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
