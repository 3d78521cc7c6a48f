/**
 * A successful console sign-in without MFA. SSO and SAML sign-ins are skipped, as are users and accounts
 * that the new-user / new-account indicator rules recorded recently (`check_account_age`).
 */
import {
  awsRuleContext,
  checkAccountAge,
  deepGet,
  firstTruthy,
  mockable,
  mockedValue,
  py,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

/** Configuration: set when people assume roles straight from an external IdP (MFA is then not visible). */
const ROLES_VIA_EXTERNAL_IDP = false

const accountAge = mockable('check_account_age', checkAccountAge)

const NOT_MOCKED = Symbol('not mocked')

/** PAT replaces a mocked constant with a MagicMock, which is truthy whatever it returns. */
function rolesViaExternalIdp(): boolean {
  return mockedValue('ROLES_VIA_EXTERNAL_IDP', NOT_MOCKED) === NOT_MOCKED
    ? ROLES_VIA_EXTERNAL_IDP
    : true
}

/** A test mocks `check_account_age` with the strings "True"/"False"; other strings stay truthy. */
function isRecent(value: boolean | string): boolean {
  if (value === 'False') return false
  if (value === 'True') return true
  return truthy(value)
}

function asMapping(value: JsonValue | undefined): JsonValue | undefined {
  if (value === null) throw new TypeError('additionalEventData is null, not an object')
  return value
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (event.get('eventName') !== 'ConsoleLogin') return false
  const additional = asMapping(event.get('additionalEventData', {}))
  const response = asMapping(event.get('responseElements', {}))
  if (rolesViaExternalIdp() && event.deepGetOr('', 'userIdentity', 'type') === 'AssumedRole')
    return false
  const arn = event.deepGetOr(' ', 'userIdentity', 'arn') as string
  if (arn.includes('AWSReservedSSO') || deepGet(additional, 'SamlProviderArn') != null) return false
  const userName = event.deepGetOr('<MISSING_USER_NAME>', 'userIdentity', 'userName')
  const actor = event.udm('actor_user')
  if (typeof userName !== 'string' || typeof actor !== 'string')
    throw new TypeError('the user name and the actor must be strings')
  // Checked before the cache lookups (upstream checks them after): the answer is the same, and
  // most sign-ins are settled without waiting for the cache.
  const withoutMfa =
    deepGet(response, 'ConsoleLogin') === 'Success' &&
    deepGet(additional, 'MFAUsed') !== 'Yes' &&
    event.deepGet('userIdentity', 'sessionContext', 'attributes', 'mfaAuthenticated') !== 'true'
  if (!withoutMfa) return false
  return notNewUserOrAccount(
    `${userName}-${actor}`,
    py`new_account - ${event.get('recipientAccountId')}`,
  )
}

async function notNewUserOrAccount(userKey: string, accountKey: string): Promise<boolean> {
  if (isRecent(await accountAge(userKey))) return false
  return !isRecent(await accountAge(accountKey))
}

export function title(event: PantherEvent): string {
  let who: string
  if (event.deepGet('userIdentity', 'type') === 'Root') {
    who = 'the root user'
  } else {
    const user = firstTruthy(
      event.deepGet('userIdentity', 'userName'),
      event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'userName'),
    )
    const kind = (
      event.deepGetOr('user', 'userIdentity', 'sessionContext', 'sessionIssuer', 'type') as string
    ).toLowerCase()
    who = py`${kind} ${user}`
  }
  return py`AWS login detected without MFA for [${who}] in [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
