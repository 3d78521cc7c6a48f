/**
 * Every log type this engine accepts, by Panther name. Kept apart from the enrich step so the build
 * (tools/logtypes/) can read the definitions without the code generated from them.
 */
import { cloudTrail } from './cloudtrail'
import type { LogType } from './log-type'
import {
  salesforceLogin,
  salesforceLoginAs,
  salesforceLogout,
  salesforceUri,
} from './salesforce-eventlogfile'
import { salesforceRealtime } from './salesforce-realtime'

export const LOG_TYPE_LIST: readonly LogType[] = [
  cloudTrail,
  salesforceRealtime,
  salesforceLogin,
  salesforceLoginAs,
  salesforceLogout,
  salesforceUri,
]
