/**
 * The one module rule authors import, as `#sdk`: everything a rule may use, named as Panther's
 * helpers are (snake_case to camelCase). A rule needs nothing from the engine's internals.
 *
 *   import { awsRuleContext, deepGet, type PantherEvent } from '#sdk'
 *
 * Data models (src/sdk/data-models/) use the same module.
 */

// The rule contract: the event as hooks see it, and the hooks themselves.
export type { Awaitable, DeepWalkReturn, PantherEvent, RuleModule } from './rule-api'

// Event access beyond the event's own methods (`panther_base_helpers`), and Python value idioms.
export {
  deepGet,
  deepGetOr,
  deepWalk,
  getValFromList,
  isIpAddress,
  isIpInNetwork,
  keyValueListToDict,
  py,
  pyStr,
} from './helpers/base'
export { firstTruthy, strOrEmpty } from './helpers/values'

// AWS (`panther_aws_helpers`, CloudTrail callers, RDS, regions, IAM policies, known IOCs).
export {
  AWS_ACCOUNTS,
  awsCloudtrailSuccess,
  awsGuarddutyContext,
  awsRuleContext,
  awsStripRoleSessionId,
  lookupAwsAccountName,
} from './helpers/aws'
export { isHumanCaller } from './helpers/aws-identity'
export { isAwsServiceCall, rootActivityContext } from './helpers/cloudtrail-callers'
export {
  awsRdsContext,
  rdsActor,
  rdsCallSucceeded,
  rdsDatabase,
  rdsResourceKey,
} from './helpers/rds'
export { AWS_REGIONS, awsRegions, isAwsRegion } from './helpers/regions'
export { policyIsInternetAccessible } from './helpers/iam-policy'
export { XZ_AMIS } from './helpers/iocs'

// Time, patterns, addresses and countries.
export {
  addParseDelay,
  hourBucket,
  PyDateTime,
  resolveTimestampString,
  strftimeEpoch,
  timeDelta,
} from './helpers/timestamps'
export { linearRegExp, patternMatch, patternMatchList, type LinearRegExp } from './helpers/patterns'
export { isGlobalIp, isPrivateIp } from './helpers/ip-scope'
export { countryByAlpha2, type Country } from './helpers/countries'

// Panther's rule cache (`panther_detection_helpers.caching`).
export {
  addToStringSet,
  checkAccountAge,
  DEFAULT_TTL_SECONDS,
  evaluateThreshold,
  getCounter,
  getDictionary,
  getStringSet,
  incrementCounter,
  inSequence,
  putDictionary,
  putStringSet,
  removeFromStringSet,
  resetCounter,
  resetStringSet,
  resolveExpiry,
  setKeyExpiration,
  type Expiry,
} from './helpers/caching'

// Enrichment: lookup tables, IPinfo, GreyNoise, OTX, MISP.
export {
  ENRICHMENT_KEY,
  findEnrichmentTable,
  listOf,
  LookupTableMatches,
  pMatches,
} from './helpers/lookuptable'
export {
  geoinfoFromIp,
  geoinfoFromIpFormatted,
  getIpinfoAsn,
  getIpinfoLocation,
  getIpinfoPrivacy,
  IPINFO_ASN_LUT_NAME,
  IPINFO_LOCATION_LUT_NAME,
  IPINFO_PRIVACY_LUT_NAME,
  IPInfoASN,
  IPInfoLocation,
  IPInfoPrivacy,
  kmBetweenIpinfoLoc,
  loginGeoContext,
  PantherIPInfoException,
  type GeoInfo,
  type GeoinfoLookup,
} from './helpers/ipinfo'
export {
  enrichmentTime,
  getGreynoiseV3BusinessServiceObject,
  getGreynoiseV3Object,
  greynoiseSeverityDecode,
  greynoiseV3AlertContext,
  GreyNoiseV3BusinessService,
  GreyNoiseV3ScannerIntelligence,
  severityGreaterThan,
} from './helpers/greynoise'
export {
  getOtxObject,
  otxAlertContext,
  OTXPulseIntelligence,
  otxSeverity,
  otxSeverityFromPulse,
} from './helpers/otx'
export { getMispWarningLists, MISP_WARNING_LISTS_LUT_NAME, MISPWarningLists } from './helpers/misp'

// Standard event types of the data models (`panther_base_helpers` `event_type`).
export {
  ACCOUNT_CREATED,
  ADMIN_MFA_DISABLED,
  ADMIN_ROLE_ASSIGNED,
  FAILED_LOGIN,
  MFA_DISABLED,
  MFA_ENABLED,
  MFA_RESET,
  PERMISSION_GRANTED,
  PERMISSION_REVOKED,
  SECURITY_CONFIG_CHANGED,
  SUCCESSFUL_LOGIN,
  SUCCESSFUL_LOGOUT,
  USER_ACCOUNT_CREATED,
  USER_ACCOUNT_DELETED,
  USER_ACCOUNT_MODIFIED,
  USER_GROUP_CREATED,
  USER_GROUP_DELETED,
  USER_GROUP_MODIFIED,
  USER_ROLE_CREATED,
  USER_ROLE_DELETED,
  USER_ROLE_MODIFIED,
} from './helpers/event-type'

// Test `Mocks`: names a test may replace.
export { mockable, mockedValue, type MockValue } from './mocks'

// Values and types of the engine that hooks receive or return.
export { truthy } from '../engine/event'
export { defineDataModel, type DataModel } from '../engine/data-model'
export type { JsonObject, JsonValue } from '../types'
