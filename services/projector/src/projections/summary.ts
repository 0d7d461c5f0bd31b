import type { SweepEvent } from '@zixly/contracts'

/** One readable line per event, for the job timeline. */
export function summarize(e: SweepEvent): string {
  switch (e.type) {
    case 'SweepRequested': {
      const p = e.data.params
      return `${p.strategy_type} sweep of ${p.ticker} requested: fast ${p.fast_range[0]}–${p.fast_range[1]}, slow ${p.slow_range[0]}–${p.slow_range[1]}, step ${p.step}`
    }
    case 'SweepDispatched':
      return `attempt ${e.data.attempt} dispatched${e.data.deadline_at ? `, deadline ${e.data.deadline_at}` : ''}`
    case 'SweepStarted':
      return `attempt ${e.data.attempt} started on ${e.data.executor_id}: ${e.data.combinations} combinations over ${e.data.bars} bars`
    case 'SweepProgressed':
      return `${e.data.done} of ${e.data.total} combinations done`
    case 'SweepResultsRecorded':
      return `results ${e.data.chunk + 1}/${e.data.chunks} recorded (${e.data.rows.length} rows)`
    case 'SweepCompleted': {
      const b = e.data.best
      const best = b
        ? `; best ${b.fast_period}/${b.slow_period} score ${b.score}`
        : '; no combination reached min_trades'
      return `completed in ${(e.data.duration_ms / 1000).toFixed(2)} s: ${e.data.total_combinations} combinations${best}`
    }
    case 'SweepAttemptFailed':
      return `attempt ${e.data.attempt} failed (${e.data.error.code}): ${e.data.error.message}`
    case 'SweepFailed':
      return `failed: ${e.data.reason}`
    case 'SweepCancelled':
      return `cancelled: ${e.data.reason}`
    case 'SweepRetryScheduled':
      return `attempt ${e.data.attempt} scheduled for ${e.data.due_at} (in ${(e.data.delay_ms / 1000).toFixed(1)} s)`
    case 'SweepRetried':
      return `retried: a new attempt chain${e.data.reason ? ` (${e.data.reason})` : ''}`
    case 'SweepCommandDeadLettered':
      return `command of attempt ${e.data.attempt ?? '?'} dead-lettered (${e.data.source}): ${e.data.reason}`
  }
}
