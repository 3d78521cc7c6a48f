/**
 * AWS.CloudTrail: one CloudTrail record (files of `{"Records":[...]}` are opened by ingest).
 * Fields and indicator sources follow Panther's AWS.CloudTrail schema; see docs/log-types.md for
 * where this schema is deliberately more lenient than Panther's parser, and why.
 */
import * as v from 'valibot'
import type { IndicatorField } from './field-paths'
import {
  canonicalizeKeys,
  coerceTypedFields,
  type FieldSpec,
  lowerCaseIndex,
  schemaOf,
  stringsObject,
} from './fields'
import { FieldProblem, type LogType } from './log-type'

/**
 * Panther marks awsRegion, eventID, eventName, eventSource, eventTime, eventType, eventVersion,
 * sourceIPAddress and userIdentity required. They are typed here but not demanded: real CloudTrail
 * variants and Panther's own rule tests omit them, and a dropped event is a missed detection.
 */
const CLOUDTRAIL_FIELDS: readonly FieldSpec[] = [
  { name: 'additionalEventData', type: 'json' },
  { name: 'apiVersion', type: 'string' },
  { name: 'awsRegion', type: 'string' },
  { name: 'errorCode', type: 'string' },
  { name: 'errorMessage', type: 'string' },
  { name: 'eventID', type: 'string' },
  { name: 'eventName', type: 'string' },
  { name: 'eventSource', type: 'string' },
  { name: 'eventTime', type: 'timestamp' },
  { name: 'eventType', type: 'string' },
  { name: 'eventVersion', type: 'string' },
  { name: 'managementEvent', type: 'boolean' },
  { name: 'readOnly', type: 'boolean' },
  { name: 'recipientAccountId', type: 'string' },
  { name: 'requestID', type: 'string' },
  { name: 'requestParameters', type: 'json' },
  { name: 'responseElements', type: 'json' },
  { name: 'serviceEventDetails', type: 'json' },
  { name: 'sharedEventID', type: 'string' },
  { name: 'sourceIPAddress', type: 'string' },
  { name: 'userAgent', type: 'string' },
  { name: 'vpcEndpointId', type: 'string' },
  // Newer CloudTrail keys (after Panther's 2022 table), typed because rules read them.
  { name: 'eventCategory', type: 'string' },
  { name: 'vpcEndpointAccountId', type: 'string' },
  { name: 'tlsDetails', type: 'json' },
]

const sessionIssuer = stringsObject(['type', 'principalId', 'arn', 'accountId', 'userName'])
const userIdentity = stringsObject(
  [
    'type',
    'principalId',
    'arn',
    'accountId',
    'accessKeyId',
    'userName',
    'invokedBy',
    'identityProvider',
  ],
  {
    sessionContext: v.looseObject({
      attributes: v.nullish(
        v.looseObject({
          mfaAuthenticated: v.nullish(v.union([v.string(), v.boolean()])),
          creationDate: v.nullish(v.string()),
        }),
      ),
      sessionIssuer: v.nullish(sessionIssuer),
      webIdFederationData: v.nullish(
        v.looseObject({
          federatedProvider: v.nullish(v.string()),
          attributes: v.optional(v.unknown()),
        }),
      ),
    }),
  },
)
// A resource is `{ARN|arn, accountId, type}`; one Panther rule test has a resource written as a
// string.
const resource = v.union([stringsObject(['ARN', 'arn', 'accountId', 'type']), v.string()])

const NESTED = { userIdentity, resources: v.array(resource) }
const KNOWN = lowerCaseIndex([...CLOUDTRAIL_FIELDS.map((f) => f.name), ...Object.keys(NESTED)])
const BOOLEAN_FIELDS = ['managementEvent', 'readOnly']
const NO_NUMBERS: string[] = []

function prepare(event: Record<string, unknown>): Record<string, unknown> | FieldProblem {
  if (!Object.hasOwn(event, 'eventName')) {
    canonicalizeKeys(event, KNOWN)
    if (!isCloudTrailLike(event)) {
      return new FieldProblem(
        '',
        'not a CloudTrail record: it has none of the CloudTrail fields (eventName, eventSource, eventType, userIdentity, ...)',
      )
    }
  }
  if (typeof event.readOnly !== 'boolean' || typeof event.managementEvent !== 'boolean') {
    coerceTypedFields(event, NO_NUMBERS, BOOLEAN_FIELDS)
  }
  return event
}

function isCloudTrailLike(event: Record<string, unknown>): boolean {
  // Rows Panther already classified as CloudTrail (e.g. re-sent rule test logs) count as
  // CloudTrail.
  if (event.p_log_type === 'AWS.CloudTrail') return true
  for (const key in event) if (KNOWN.has(key.toLowerCase())) return true
  return false
}

/** Panther's indicator sources for CloudTrail: the identity, its session issuer, the resources. */
const INDICATOR_FIELDS: readonly IndicatorField[] = [
  { path: 'recipientAccountId', kind: 'accountId' },
  { path: 'sourceIPAddress', kind: 'hostname' },
  ...principal('userIdentity'),
  { path: 'userIdentity.accessKeyId', kind: 'traceId' },
  ...principal('userIdentity.sessionContext.sessionIssuer'),
  { path: 'userIdentity.sessionContext.webIdFederationData.attributes', kind: 'cloudTrailJson' },
  { path: 'resources[].ARN|arn', kind: 'arn' },
  { path: 'resources[].accountId', kind: 'accountId' },
  { path: 'requestParameters', kind: 'cloudTrailJson' },
  { path: 'responseElements', kind: 'cloudTrailJson' },
  { path: 'additionalEventData', kind: 'cloudTrailJson' },
  { path: 'serviceEventDetails', kind: 'cloudTrailJson' },
]

/** The identity fields userIdentity and its session issuer share. */
function principal(at: string): IndicatorField[] {
  return [
    { path: `${at}.arn`, kind: 'arn' },
    { path: `${at}.accountId`, kind: 'accountId' },
    { path: `${at}.userName`, kind: 'username' },
    { path: `${at}.principalId`, kind: 'actorId' },
  ]
}

export const cloudTrail: LogType = {
  name: 'AWS.CloudTrail',
  schema: schemaOf(CLOUDTRAIL_FIELDS, NESTED),
  acceptsCsv: false,
  prepare,
  eventTimeFields: ['eventTime'],
  indicatorFields: INDICATOR_FIELDS,
}
