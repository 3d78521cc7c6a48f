/**
 * The health monitor (`MONITOR` binding, class `Monitor`, one instance named "monitor"): a Durable
 * Object whose alarm runs every MONITOR_INTERVAL_SECONDS (default 60) and
 *  - re-drives deliveries whose rows say they are overdue (src/delivery/redrive.ts): a crash or a lost
 *    queue message never leaves a delivery waiting for good;
 *  - raises `System.SourceSilent` for a SOURCES entry with `expectedEveryMinutes` that has not posted
 *    for longer than that;
 *  - raises `System.RuleErrorRate` when rule errors over the last five minutes exceed
 *    RULE_ERRORS_ALERT_PER_5_MINUTES (default 50).
 *
 * Why an alarm in one object rather than a cron trigger: an alarm is durable (set before a crash, it
 * fires after the restart, on `wrangler dev --persist-to` as in production), runs at the chosen interval
 * with no deploy-time schedule, and keeps the state the checks need (last batch per source, recent rule
 * error counts) in one place. It is started by the first request of each isolate, by every ingest
 * report, and by the cron trigger in wrangler.toml (so a deployment that receives nothing still
 * notices silent sources); it then re-arms itself for good.
 *
 * Ingest reports to it through `reportBatch`, at most every REPORT_EVERY_MS per isolate (all sources at once)
 * (sooner when a batch had rule errors), off the answer's path (`waitUntil`): a report that an isolate
 * loses in a crash delays a silence alert by one report at most.
 */
import { DurableObject } from 'cloudflare:workers'
import { raiseSystemAlert } from '../alerts'
import { redriveGraceMs, redriveStale } from '../delivery'
import { parseSources } from '../ingest/sources'
import { logEvent } from '../log'

const DEFAULT_INTERVAL_SECONDS = 60
const DEFAULT_RULE_ERRORS_PER_5_MINUTES = 50
const RATE_WINDOW_MS = 5 * 60_000
const REPORT_EVERY_MS = 30_000

interface State {
  /** Epoch ms of the first sweep: the start of a never-seen source's silence. */
  startedAt: number
  /** Last batch per source id, epoch ms. */
  lastSeen: Record<string, number>
  /** Rule errors per minute (epoch minute -> count), the last five minutes. */
  ruleErrors: Record<string, number>
  lastSweepAt: number | null
  lastSweep: { redriven: number; silent: string[]; ruleErrors: number } | null
}

export interface BatchReport {
  sourceId: string
  at: number
  ruleErrors: number
}

function positive(raw: unknown, fallback: number): number {
  const n = Number(raw ?? fallback)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

export class Monitor extends DurableObject<Env> {
  /** Sets the alarm if none is set (idempotent). */
  async arm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + this.intervalMs())
    }
  }

  /** Records batches seen by an isolate since its last report. */
  async report(reports: BatchReport[]): Promise<void> {
    const state = await this.state()
    for (const r of reports) {
      state.lastSeen[r.sourceId] = Math.max(state.lastSeen[r.sourceId] ?? 0, r.at)
      if (r.ruleErrors > 0) {
        const minute = String(Math.floor(r.at / 60_000))
        state.ruleErrors[minute] = (state.ruleErrors[minute] ?? 0) + r.ruleErrors
      }
    }
    await this.ctx.storage.put('state', state)
    await this.arm()
  }

  /** What the admin `GET /health` shows of the monitor. */
  async status(): Promise<Pick<State, 'lastSweepAt' | 'lastSweep' | 'lastSeen'> & { nextSweepAt: number | null }> {
    const state = await this.state()
    await this.arm()
    return {
      lastSweepAt: state.lastSweepAt,
      lastSweep: state.lastSweep,
      lastSeen: state.lastSeen,
      nextSweepAt: await this.ctx.storage.getAlarm(),
    }
  }

  /** One sweep now (the alarm's work; tests call it directly). */
  async sweep(now = Date.now()): Promise<State['lastSweep']> {
    const state = await this.state(now)
    const redriven = await redriveStale(this.env, now, redriveGraceMs(this.env))
    const silent = await this.checkSilence(state, now)
    const ruleErrors = await this.checkRuleErrors(state, now)
    state.lastSweepAt = now
    state.lastSweep = { redriven, silent, ruleErrors }
    await this.ctx.storage.put('state', state)
    if (redriven > 0 || silent.length > 0) logEvent('monitor.sweep', { redriven, silent: silent.length, ruleErrors }, 'warn')
    return state.lastSweep
  }

  override async alarm(): Promise<void> {
    try {
      await this.sweep()
    } finally {
      // Always re-armed, even after a failed sweep: the next one tries again.
      await this.ctx.storage.setAlarm(Date.now() + this.intervalMs())
    }
  }

  private intervalMs(): number {
    return positive(this.env.MONITOR_INTERVAL_SECONDS, DEFAULT_INTERVAL_SECONDS) * 1000
  }

  private async state(now = Date.now()): Promise<State> {
    const stored = await this.ctx.storage.get<State>('state')
    return stored ?? { startedAt: now, lastSeen: {}, ruleErrors: {}, lastSweepAt: null, lastSweep: null }
  }

  /** Raises (or adds to) a silence alert for each source overdue; returns their ids. */
  private async checkSilence(state: State, now: number): Promise<string[]> {
    let sources
    try {
      sources = parseSources(this.env.SOURCES)
    } catch {
      return [] // ingest itself reports a bad SOURCES (503 on every batch)
    }
    const silent: string[] = []
    for (const s of sources) {
      if (s.expectedEveryMinutes === undefined) continue
      const since = state.lastSeen[s.id] ?? state.startedAt
      const silentMs = now - since
      if (silentMs <= s.expectedEveryMinutes * 60_000) continue
      silent.push(s.id)
      await raiseSystemAlert(this.env, {
        kind: 'System.SourceSilent',
        dedup: s.id,
        title: `Source ${s.id} sent nothing for ${Math.floor(silentMs / 60_000)} minutes (expected every ${s.expectedEveryMinutes})`,
        severity: 'HIGH',
        context: {
          sourceId: s.id,
          sourceLabel: s.label,
          expectedEveryMinutes: s.expectedEveryMinutes,
          lastBatchAt: state.lastSeen[s.id] === undefined ? null : new Date(since).toISOString(),
          silentMinutes: Math.floor(silentMs / 60_000),
        },
        runbook:
          'Check the forwarder of this source: is it running, does it still hold a valid credential (401s in the ingest logs), can it reach the Worker?',
      }, now)
    }
    return silent
  }

  /** Rule errors of the last five minutes; raises an alert above the configured rate. */
  private async checkRuleErrors(state: State, now: number): Promise<number> {
    const oldest = Math.floor((now - RATE_WINDOW_MS) / 60_000)
    let total = 0
    for (const [minute, n] of Object.entries(state.ruleErrors)) {
      if (Number(minute) <= oldest) delete state.ruleErrors[minute]
      else total += n
    }
    const limit = positive(this.env.RULE_ERRORS_ALERT_PER_5_MINUTES, DEFAULT_RULE_ERRORS_PER_5_MINUTES)
    if (total > limit) {
      await raiseSystemAlert(this.env, {
        kind: 'System.RuleErrorRate',
        dedup: 'all rules',
        title: `${total} rule errors in the last 5 minutes (alerting above ${limit})`,
        severity: 'HIGH',
        context: { ruleErrors: total, windowMinutes: 5, limit },
        runbook:
          'List the RULE_ERROR alerts (GET /alerts) to see which rules fail and on what; fix or disable them.',
      }, now)
    }
    return total
  }
}

function monitorStub(env: Env) {
  return env.MONITOR.get(env.MONITOR.idFromName('monitor'))
}

/** What the monitor's helpers need of a request's context: work that outlives the answer. */
type Background = { waitUntil(promise: Promise<unknown>): void }

let armedInIsolate = false
const pending = new Map<string, BatchReport>()
let lastReportAt = 0

/** Starts the monitor once per isolate (its alarm then keeps it running). */
export function ensureMonitor(env: Env, ctx: Background): void {
  if (armedInIsolate) return
  armedInIsolate = true
  ctx.waitUntil(
    monitorStub(env)
      .arm()
      .catch(() => {
        armedInIsolate = false
      }),
  )
}

/** An ingest batch's report: sent at most every REPORT_EVERY_MS, at once when it had rule errors. */
export function reportBatch(env: Env, ctx: Background, report: BatchReport): void {
  const held = pending.get(report.sourceId)
  pending.set(report.sourceId, {
    sourceId: report.sourceId,
    at: report.at,
    ruleErrors: (held?.ruleErrors ?? 0) + report.ruleErrors,
  })
  if (report.ruleErrors === 0 && report.at - lastReportAt < REPORT_EVERY_MS) return
  lastReportAt = report.at
  const reports = [...pending.values()]
  pending.clear()
  ctx.waitUntil(
    monitorStub(env)
      .report(reports)
      .catch((err: unknown) => {
        logEvent('monitor.report', { error: err instanceof Error ? err.message : 'error' }, 'error')
      }),
  )
}

/** The admin view of the monitor (for `GET /health`). */
export function monitorStatus(env: Env) {
  return monitorStub(env).status()
}
