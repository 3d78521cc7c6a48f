/**
 * Failed logins counted per source: the same detection, title and context as Standard.BruteForceByUser
 * (upstream's two rules share their code); they differ in YAML only (summary attributes).
 */
export { alertContext, rule, title } from './brute_force_by_user'
