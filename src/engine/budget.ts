/**
 * The per-batch CPU budget of rule evaluation (`RULE_CPU_BUDGET_MS`). The engine reads the clock
 * between rule evaluations; past the budget it stops and throws `RuleBudgetExceeded` naming the slowest
 * rule (the HTTP boundary answers it with 503): the batch is not acknowledged (the sender keeps it and retries or splits it), and the
 * slowest evaluation is recorded as that rule's error.
 *
 * Limits of what a Worker can do: a synchronous loop that never returns cannot be interrupted from
 * JavaScript (only the platform's CPU limit ends it), and deployed Workers advance `Date.now()` only at
 * I/O, so there the budget sees time spent in rules that await (cache reads) and the platform's
 * `limits.cpu_ms` is the backstop for purely synchronous work.
 */
import type { RuleMatch } from '../types'

const DEFAULT_RULE_CPU_BUDGET_MS = 2000

/** `RULE_CPU_BUDGET_MS` as a positive number of milliseconds; anything else is a configuration error. */
export function ruleBudgetMs(env: { RULE_CPU_BUDGET_MS?: unknown }): number {
  const raw = env.RULE_CPU_BUDGET_MS
  if (raw === undefined || raw === '') return DEFAULT_RULE_CPU_BUDGET_MS
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`RULE_CPU_BUDGET_MS must be a positive number of milliseconds, not ${String(raw)}`)
  }
  return value
}

export class RuleBudgetExceeded extends Error {
  constructor(
    readonly budgetMs: number,
    readonly evaluatedEvents: number,
    readonly totalEvents: number,
    /** The rule error recorded for the slowest evaluation (rule and event). */
    readonly errorMatch: RuleMatch,
  ) {
    super(
      `rule evaluation exceeded its CPU budget of ${budgetMs} ms (RULE_CPU_BUDGET_MS) after ` +
        `${evaluatedEvents} of ${totalEvents} events; slowest rule: ${errorMatch.rule.ruleId}. ` +
        'Nothing from this batch was recorded: retry it, or send smaller batches',
    )
    this.name = 'RuleCpuBudgetExceeded'
  }
}
