/**
 * Whether an IAM policy document lets anyone on the internet in, with the semantics of policyuniverse's
 * `Policy(doc).is_internet_accessible()` that upstream rules call: an `Allow` statement whose principal
 * is `*` (or an ARN with a wildcard account, or `NotPrincipal`) and whose conditions, if any, do not pin
 * the caller to a specific ARN, account, user id, network or VPC.
 */

type ConditionCategory = 'arn' | 'account' | 'userid' | 'cidr' | 'vpc' | 'vpce'

/** Condition keys that restrict who the caller is (lower-cased, as policyuniverse compares them). */
const CONDITION_KEYS: ReadonlyMap<string, ConditionCategory> = new Map([
  ['aws:sourcearn', 'arn'],
  ['aws:sourceowner', 'account'],
  ['aws:sourceaccount', 'account'],
  ['kms:calleraccount', 'account'],
  ['aws:userid', 'userid'],
  ['aws:sourceip', 'cidr'],
  ['aws:sourcevpc', 'vpc'],
  ['aws:sourcevpce', 'vpce'],
])

/** Only positive string/ARN/IP operators restrict the caller; negated operators are ignored. */
const RESTRICTING_OPERATORS = [
  /^((ForAllValues|ForAnyValue):)?ARN(Equals|Like)(IfExists)?/i,
  /^((ForAllValues|ForAnyValue):)?String(Equals|Like)(IgnoreCase)?(IfExists)?/i,
  /^((ForAllValues|ForAnyValue):)?IpAddress(IfExists)?/i,
]

const ARN = /^arn:([^:]*):([^:]*):([^:]*):(|\*|\d{12}|cloudfront):(.+)$/
const ACCOUNT_NUMBER = /^(\d{12})+$/

/**
 * An AWS service principal, `<name>[.<part>].amazonaws.com` or `.amazon.com`: what upstream's
 * `^([^.]+)(.[^.]+)?\.amazon(aws)?\.com$` accepts (the part before the suffix is one label or two
 * labels around one dot), in linear time; that regex backtracks quadratically on a long dotless name.
 */
function isServicePrincipal(input: string): boolean {
  const suffix = input.endsWith('.amazonaws.com') ? 14 : input.endsWith('.amazon.com') ? 11 : 0
  if (suffix === 0) return false
  const name = input.slice(0, input.length - suffix)
  const dot = name.indexOf('.')
  if (dot === -1) return name.length > 0
  return dot > 0 && dot < name.length - 1 && name.indexOf('.', dot + 1) === -1
}

type Doc = Record<string, unknown>

function isDoc(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value]
}

function arnInternetAccessible(input: string): boolean {
  if (input === '*') return true
  const arn = ARN.exec(input)
  if (arn !== null) {
    if (arn[2] === 's3') return false // S3 ARNs carry no account
    return arn[4] === '*' || arn[4] === ''
  }
  if (ACCOUNT_NUMBER.test(input) || isServicePrincipal(input)) return false
  // unparsable: only a wildcard makes it open
  return input.includes('*')
}

function conditionEntryInternetAccessible(category: ConditionCategory, value: string): boolean {
  switch (category) {
    case 'arn':
      return arnInternetAccessible(value)
    case 'userid': {
      // a trailing wildcard (`AROA...:*`) still names one role
      const star = value.indexOf('*')
      return star >= 0 && star !== value.length - 1
    }
    case 'cidr':
      return value.endsWith('/0')
    default:
      return value.includes('*')
  }
}

function conditionsInternetAccessible(condition: unknown): boolean {
  if (!isDoc(condition)) return true
  let restricted = false
  for (const [operator, block] of Object.entries(condition)) {
    if (!RESTRICTING_OPERATORS.some((re) => re.test(operator)) || !isDoc(block)) continue
    for (const [key, raw] of Object.entries(block)) {
      const category = CONDITION_KEYS.get(key.toLowerCase())
      if (category === undefined) continue
      for (const value of asList(raw)) {
        restricted = true
        if (conditionEntryInternetAccessible(category, String(value))) return true
      }
    }
  }
  return !restricted
}

function principalsOf(statement: Doc): string[] {
  const principal = statement.Principal
  if (principal === undefined || principal === null || principal === '' || principal === false) return []
  const out: string[] = []
  const add = (value: unknown): void => {
    for (const item of asList(value)) out.push(String(item))
  }
  if (isDoc(principal)) {
    if (Object.hasOwn(principal, 'AWS')) add(principal.AWS)
    if (Object.hasOwn(principal, 'Service')) add(principal.Service)
  } else {
    add(principal)
  }
  return out
}

function statementInternetAccessible(statement: unknown): boolean {
  if (!isDoc(statement)) throw new TypeError('policy statement is not an object')
  if (statement.Effect !== 'Allow') return false
  if (!conditionsInternetAccessible(statement.Condition)) return false
  if (Object.hasOwn(statement, 'NotPrincipal')) return true
  return principalsOf(statement).some(arnInternetAccessible)
}

/** `Policy(document).is_internet_accessible()`; a document that is not an object is an error. */
export function policyIsInternetAccessible(document: unknown): boolean {
  if (!isDoc(document)) throw new TypeError('policy document is not an object')
  const statements = document.Statement === undefined ? [] : asList(document.Statement)
  return statements.some(statementInternetAccessible)
}
