import type { EventMetadata, RecordedError, RunSweep, SweepEvent } from '@zixly/contracts'
import { attemptsAllowed, attemptTimeoutMs, retryDelayMs, type SagaConfig } from './policy.ts'
import type { Job, JobState } from './state.ts'

/**
 * What the orchestrator wants done: append an event to a job's subject, expecting the subject to end
 * at `expectedLastSeq` (the state the decision was taken on), or send a command.
 */
export type Output =
  | {
      readonly kind: 'event'
      readonly event: SweepEvent
      readonly tenantId: string
      readonly expectedLastSeq: number
    }
  | {
      readonly kind: 'command'
      readonly command: RunSweep
      /** The log sequence of the dispatch it follows: the job's last event when it is sent. */
      readonly dispatchSeq: number
    }

export interface DecideContext {
  /** Epoch ms of the decision (the shell passes its clock; tests pass a constant). */
  readonly now: number
  readonly config: SagaConfig
}

const iso = (ms: number) => new Date(ms).toISOString()

function meta(job: Job, ctx: DecideContext): EventMetadata {
  return {
    tenantId: job.tenantId,
    correlationId: job.correlationId,
    causationId: job.lastEventId,
    occurredAt: iso(ctx.now),
    ...(job.traceparent === undefined ? {} : { traceparent: job.traceparent }),
  }
}

function append(job: Job, event: SweepEvent): Output {
  return { kind: 'event', event, tenantId: job.tenantId, expectedLastSeq: job.lastSeq }
}

/**
 * What follows an event that was just appended, given the job's state after it. Pure. Only a
 * recorded dispatch causes something here (its RunSweep command); everything else the orchestrator
 * decides from state alone (`reconcile`, `dispatch`), so a restart decides the same things again.
 */
export function decide(event: SweepEvent, state: JobState, ctx: DecideContext): Output[] {
  if (
    state.status !== 'dispatched' ||
    event.type !== 'SweepDispatched' ||
    event.data.attempt !== state.attempt
  )
    return []
  return [
    {
      kind: 'command',
      command: {
        id: event.data.command_id,
        type: 'RunSweep',
        version: 1,
        data: {
          job_id: state.jobId,
          attempt: state.attempt,
          params: state.params,
          ...(state.attemptDeadlineAt === null ? {} : { deadline_at: state.attemptDeadlineAt }),
        },
        metadata: meta(state, ctx),
      },
      dispatchSeq: state.lastSeq,
    },
  ]
}

/**
 * What a job's state calls for at `ctx.now`, whatever event led there. Pure.
 * - after a failed attempt: schedule the next one (backoff) or fail the job with every error;
 * - an attempt past its deadline (plus the grace left to the executor): record its timeout;
 * - a retry whose job deadline passed while it waited: fail the job.
 */
export function reconcile(state: JobState, ctx: DecideContext): Output[] {
  if (state.status === 'initial') return []
  const now = ctx.now
  const grace = ctx.config.timeoutGraceMs
  switch (state.status) {
    case 'failing':
      return [afterFailure(state, ctx)]
    case 'dispatched':
    case 'running':
      if (state.jobDeadlineAt !== null && now >= state.jobDeadlineAt + grace)
        return [
          attemptFailed(state, ctx, {
            code: 'JOB_DEADLINE_EXCEEDED',
            message: 'the job ran past its overall deadline',
            retryable: false,
          }),
        ]
      if (state.attemptDeadlineAt !== null && now >= state.attemptDeadlineAt + grace)
        return [
          attemptFailed(state, ctx, {
            code: 'ATTEMPT_TIMEOUT',
            message: 'the attempt ran past its deadline',
            retryable: true,
          }),
        ]
      return []
    case 'waiting':
      if (state.jobDeadlineAt !== null && now >= state.jobDeadlineAt)
        return [failed(state, ctx, `the job deadline passed before attempt ${state.attempt + 1} could run`)]
      return []
    default:
      return []
  }
}

/** The next epoch ms at which `reconcile` or admission may decide something new for this job, or null. */
export function wakeAt(state: JobState, cfg: SagaConfig): number | null {
  if (state.status === 'waiting') return state.readyAt
  if (state.status !== 'dispatched' && state.status !== 'running') return null
  const times = [state.attemptDeadlineAt, state.jobDeadlineAt].filter((t): t is number => t !== null)
  return times.length === 0 ? null : Math.min(...times) + cfg.timeoutGraceMs
}

/** Dispatches the job's next attempt, with its deadlines. Pure; admission decides when. */
export function dispatch(state: Job, ctx: DecideContext): Output {
  const attempt = state.attempt + 1
  const jobDeadline = state.jobDeadlineAt ?? ctx.now + ctx.config.jobDeadlineMs
  const deadline = Math.min(ctx.now + attemptTimeoutMs(state.params, ctx.config), jobDeadline)
  return append(state, {
    id: `SweepDispatched:${state.jobId}:${attempt}`,
    type: 'SweepDispatched',
    version: 1,
    data: {
      job_id: state.jobId,
      attempt,
      command_id: `RunSweep:${state.jobId}:${attempt}`,
      deadline_at: iso(deadline),
      job_deadline_at: iso(jobDeadline),
    },
    metadata: meta(state, ctx),
  })
}

function afterFailure(state: Job, ctx: DecideContext): Output {
  const last = state.errors.at(-1)
  const made = state.attempt - state.chainStart + 1
  if (last?.retryable === true && made < attemptsAllowed(state.params, ctx.config)) {
    const attempt = state.attempt + 1
    const delay = retryDelayMs(state.jobId, attempt, ctx.config.retry)
    if (state.jobDeadlineAt === null || ctx.now + delay < state.jobDeadlineAt)
      return append(state, {
        id: `SweepRetryScheduled:${state.jobId}:${attempt}`,
        type: 'SweepRetryScheduled',
        version: 1,
        data: { job_id: state.jobId, attempt, due_at: iso(ctx.now + delay), delay_ms: delay },
        metadata: meta(state, ctx),
      })
    return failed(
      state,
      ctx,
      `the job deadline leaves no time for attempt ${attempt}; last error: ${last.message}`,
    )
  }
  const plural = made === 1 ? '' : 's'
  const reason =
    last === undefined
      ? `failed after ${made} attempt${plural}`
      : last.retryable
        ? `failed after ${made} attempt${plural}: ${last.message}`
        : `failed with a non-retryable error (${last.code}): ${last.message}`
  return failed(state, ctx, reason)
}

function failed(state: Job, ctx: DecideContext, reason: string): Output {
  return append(state, {
    id: `SweepFailed:${state.jobId}:${state.attempt}`,
    type: 'SweepFailed',
    version: 1,
    data: {
      job_id: state.jobId,
      attempts: state.attempt - state.chainStart + 1,
      reason: reason.slice(0, 2000),
      errors: [...state.errors],
    },
    metadata: meta(state, ctx),
  })
}

function attemptFailed(state: Job, ctx: DecideContext, error: RecordedError): Output {
  return append(state, {
    id: `SweepAttemptFailed:${state.jobId}:${state.attempt}:deadline`,
    type: 'SweepAttemptFailed',
    version: 1,
    data: { job_id: state.jobId, attempt: state.attempt, error },
    metadata: meta(state, ctx),
  })
}
