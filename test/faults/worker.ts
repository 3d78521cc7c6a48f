/**
 * The Worker with the fault fixture rules added (`wrangler dev test/faults/worker.ts`, used by
 * `npm run faults`): the same app, bindings and Durable Object classes as src/worker/index.ts.
 */
import { addRules } from '../../src/engine/index'
import worker from '../../src/worker/index'
import { FAULT_RULES } from './rules'

addRules(FAULT_RULES)

export * from '../../src/worker/index'
export default worker
