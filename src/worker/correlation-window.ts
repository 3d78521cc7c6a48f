/**
 * The correlation shard as deployed (`CORRELATION_SHARDS` binding, class `CorrelationShard`): the
 * correlation stage's windows with the dedup stage as their sink. A fired correlation becomes one
 * match group of type `CORRELATION` (RuleID = the correlation rule, dedup = the match value) and goes
 * through the same dedup window, alert store and delivery as any rule's match; its contributing
 * signals (member, sub-rule, event time, sample) are its alert context, so they reach the webhook.
 */
import { CorrelationShardObject, type CorrelationAlert, type CorrelationSink } from '../correlation'
import { dedupKey, type MatchGroup, recordGroup } from '../dedup'

/**
 * How long the dedup shard remembers a firing's call id. The correlation outbox retries an
 * unconfirmed hand-off at least every 5 minutes, so a retry comes long before the id is forgotten
 * unless the dedup stage answered none of them for the whole hour.
 */
const CALL_MEMORY_MS = 60 * 60_000

export function correlationGroup(alert: CorrelationAlert): MatchGroup {
  return {
    key: dedupKey('CORRELATION', alert.ruleId, alert.dedup),
    callId: alert.callId,
    type: 'CORRELATION',
    dedup: alert.dedup,
    rule: {
      ruleId: alert.ruleId,
      ruleName: alert.ruleName,
      version: alert.version,
      dedupPeriodMinutes: alert.dedupPeriodMinutes,
      threshold: 1,
      createAlert: true,
      tags: alert.tags,
      reports: alert.reports,
    },
    count: 1,
    logTypes: alert.logTypes,
    fields: {
      title: alert.title,
      severity: alert.severity,
      // The console shows `signals` of a correlation alert's context (docs/console.md).
      alertContext: {
        matchOn: alert.matchOn,
        signalCount: alert.signalCount,
        signals: alert.signals.map((s) => ({ ...s })),
        firedAt: alert.firedAt,
      },
      description: alert.description,
      reference: alert.reference,
      runbook: alert.runbook,
      destinations: alert.destinations,
    },
    firstEventAt: alert.firstEventAt,
    lastEventAt: alert.lastEventAt,
    samples: alert.signals.map((s) => s.sample),
  }
}

export class CorrelationShard extends CorrelationShardObject {
  protected override sink(): CorrelationSink {
    const env = this.env
    return {
      record: async (alert) => {
        const group = correlationGroup(alert)
        await recordGroup(env, group, undefined, CALL_MEMORY_MS)
      },
    }
  }
}
