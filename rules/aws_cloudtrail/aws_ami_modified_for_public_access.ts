/**
 * An AMI's launch permission opened to everyone, or to an account the cache has seen created only
 * recently (an indicator rule records new accounts; `check_account_age` reads it).
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  checkAccountAge,
  deepGet,
  mockable,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const accountIsNew = mockable('check_account_age', checkAccountAge)

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'ModifyImageAttribute')
    return false
  const added = event.deepGetOr([{}], 'requestParameters', 'launchPermission', 'add', 'items')
  if (!Array.isArray(added)) throw new TypeError('launchPermission.add.items is not a list')
  return anyRiskyGrant(event, added)
}

async function anyRiskyGrant(event: PantherEvent, added: JsonValue[]): Promise<boolean> {
  for (const item of added) {
    if (deepGet(item, 'group') === 'all') return true
    const userId = deepGet(item, 'userId') ?? ''
    const accountId = event.udm('user_account_id', '') ?? ''
    if (typeof userId !== 'string' || typeof accountId !== 'string') {
      throw new TypeError('launch permission userId and account id must be strings')
    }
    if (truthy(await accountIsNew(`${userId}-${accountId}`))) return true
  }
  return false
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
