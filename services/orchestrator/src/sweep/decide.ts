import type { EventMetadata, RunSweep, SweepEvent } from '@zixly/contracts'
import type { JobState } from './state.ts'

/** What the orchestrator wants done after an event: append an event to the job, or send a command. */
export type Output =
  | { readonly kind: 'event'; readonly event: SweepEvent }
  | { readonly kind: 'command'; readonly command: RunSweep }

export interface DecideContext {
  /** ISO time to stamp on what is emitted (the shell passes the clock; tests pass a constant). */
  readonly now: string
}

/**
 * Decides what follows `event`, given the job's state after it. Pure: time comes from `ctx`,
 * ids are derived from the job and attempt so a repeated decision emits the same ids.
 */
export function decide(event: SweepEvent, state: JobState, ctx: DecideContext): Output[] {
  if (state.status === 'initial') return []
  const meta = (): EventMetadata => ({
    tenantId: state.tenantId,
    correlationId: event.metadata.correlationId,
    causationId: event.id,
    occurredAt: ctx.now,
    ...(event.metadata.traceparent === undefined ? {} : { traceparent: event.metadata.traceparent }),
  })
  const dispatch = (attempt: number): Output => ({
    kind: 'event',
    event: {
      id: `SweepDispatched:${state.jobId}:${attempt}`,
      type: 'SweepDispatched',
      version: 1,
      data: { job_id: state.jobId, attempt, command_id: `RunSweep:${state.jobId}:${attempt}` },
      metadata: meta(),
    },
  })

  switch (event.type) {
    case 'SweepRequested':
      return state.status === 'queued' && state.attempt === 0 ? [dispatch(1)] : []

    case 'SweepDispatched':
      if (state.status !== 'dispatched' || event.data.attempt !== state.attempt) return []
      return [
        {
          kind: 'command',
          command: {
            id: event.data.command_id,
            type: 'RunSweep',
            version: 1,
            data: { job_id: state.jobId, attempt: state.attempt, params: state.params },
            metadata: meta(),
          },
        },
      ]

    case 'SweepAttemptFailed': {
      if (state.status !== 'queued' || event.data.attempt !== state.attempt) return []
      const { error, attempt } = event.data
      if (error.retryable && attempt < state.params.max_attempts) return [dispatch(attempt + 1)]
      const reason = error.retryable
        ? `failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${error.message}`
        : `failed with a non-retryable error: ${error.message}`
      return [
        {
          kind: 'event',
          event: {
            id: `SweepFailed:${state.jobId}`,
            type: 'SweepFailed',
            version: 1,
            data: { job_id: state.jobId, attempts: attempt, reason, errors: [...state.errors] },
            metadata: meta(),
          },
        },
      ]
    }

    default:
      return []
  }
}
