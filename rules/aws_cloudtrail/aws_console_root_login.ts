/** A successful console sign-in as the root user; every sign-in is its own alert. */
import { geoinfoFromIpFormatted, mockable, py, rootActivityContext, type PantherEvent } from '#sdk'

const geoinfo = mockable('geoinfo_from_ip_formatted', geoinfoFromIpFormatted)

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'ConsoleLogin' &&
    event.deepGet('userIdentity', 'type') === 'Root' &&
    event.deepGet('responseElements', 'ConsoleLogin') === 'Success'
  )
}

export function title(event: PantherEvent): string {
  return py`AWS root login detected from (${geoinfo(event, 'sourceIPAddress')}) in account [${event.get('recipientAccountId')}]`
}

export function dedup(event: PantherEvent): string {
  const parts = [event.get('recipientAccountId'), event.get('eventName'), event.get('eventTime')]
  if (!parts.every((p) => typeof p === 'string'))
    throw new TypeError('recipientAccountId, eventName and eventTime must be strings')
  return parts.join('-')
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return rootActivityContext(event)
}
