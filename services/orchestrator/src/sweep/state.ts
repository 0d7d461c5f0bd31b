import type { RecordedError, SweepEvent, SweepParams } from '@zixly/contracts'

/**
 * Where a job is in its saga.
 * - `queued`: waiting for a dispatch slot (after the request, or after a retry of the whole job);
 * - `dispatched` / `running`: an attempt holds a slot;
 * - `failing`: an attempt failed and the orchestrator has not yet said what follows;
 * - `waiting`: a retry is scheduled; once `readyAt` passes it competes for a slot like a queued job;
 * - `completed` / `failed` / `cancelled`: terminal (a `SweepRetried` starts a new chain).
 */
export type JobStatus =
  'queued' | 'dispatched' | 'running' | 'failing' | 'waiting' | 'completed' | 'failed' | 'cancelled'

/** What the orchestrator knows of one job, rebuilt from its events. */
export interface Job {
  readonly status: JobStatus
  readonly jobId: string
  readonly tenantId: string
  readonly params: SweepParams
  readonly correlationId: string
  readonly traceparent: string | undefined
  /** Stream sequence of the job's last event: what the next append by the orchestrator expects. */
  readonly lastSeq: number
  /** Id of the job's last event (the cause of what the orchestrator decides next). */
  readonly lastEventId: string
  /** The attempt dispatched last (0 before the first). Attempt numbers keep growing across chains. */
  readonly attempt: number
  /** First attempt of the current chain (1, or the attempt after a `SweepRetried`). */
  readonly chainStart: number
  /** Errors of the current chain's attempts, in order. */
  readonly errors: ReadonlyArray<RecordedError & { attempt: number }>
  /** Epoch ms from which the job may be dispatched (queued since, or retry due). */
  readonly readyAt: number
  /** Sequence of the event that made it dispatchable: FIFO order among equal `readyAt`. */
  readonly queuedSeq: number
  /** Epoch ms by which the running attempt must have ended. */
  readonly attemptDeadlineAt: number | null
  /** Epoch ms by which the chain must have ended (set by its first dispatch). */
  readonly jobDeadlineAt: number | null
}

export type JobState = { readonly status: 'initial' } | Job

export const initialState = (): JobState => ({ status: 'initial' })

export const isTerminal = (s: JobState): boolean =>
  s.status === 'completed' || s.status === 'failed' || s.status === 'cancelled'

/** Whether an attempt of the job holds a dispatch slot. */
export const holdsSlot = (s: JobState): boolean => s.status === 'dispatched' || s.status === 'running'

const ms = (iso: string | undefined): number | null => (iso === undefined ? null : Date.parse(iso))

/**
 * Folds one event (at stream sequence `seq`) into the job's state. Pure. An event at or below the
 * last applied sequence changes nothing (the orchestrator applies its own appends as soon as they are
 * stored, and sees them again in the log); events that make no sense in the current state only move
 * `lastSeq`, so the next guarded append expects the true end of the subject.
 */
export function evolve(state: JobState, event: SweepEvent, seq: number): JobState {
  if (state.status === 'initial') {
    if (event.type !== 'SweepRequested') return state
    return {
      status: 'queued',
      jobId: event.data.job_id,
      tenantId: event.metadata.tenantId,
      params: event.data.params,
      correlationId: event.metadata.correlationId,
      traceparent: event.metadata.traceparent,
      lastSeq: seq,
      lastEventId: event.id,
      attempt: 0,
      chainStart: 1,
      errors: [],
      readyAt: Date.parse(event.metadata.occurredAt),
      queuedSeq: seq,
      attemptDeadlineAt: null,
      jobDeadlineAt: null,
    }
  }
  if (seq <= state.lastSeq) return state
  const s: Job = { ...state, lastSeq: seq, lastEventId: event.id }
  const current = 'attempt' in event.data && event.data.attempt === s.attempt
  switch (event.type) {
    case 'SweepDispatched':
      if ((s.status !== 'queued' && s.status !== 'waiting') || event.data.attempt <= s.attempt) return s
      return {
        ...s,
        status: 'dispatched',
        attempt: event.data.attempt,
        attemptDeadlineAt: ms(event.data.deadline_at),
        jobDeadlineAt: ms(event.data.job_deadline_at) ?? s.jobDeadlineAt,
      }
    case 'SweepStarted':
      return current && holdsSlot(s) ? { ...s, status: 'running' } : s
    case 'SweepAttemptFailed':
      return current && holdsSlot(s)
        ? failAttempt(s, { ...event.data.error, attempt: event.data.attempt })
        : s
    case 'SweepCommandDeadLettered':
      // Nobody will run this attempt's command: the attempt failed, and retrying would send the same.
      if (!current || !holdsSlot(s)) return s
      return failAttempt(s, {
        attempt: s.attempt,
        code: event.data.source === 'invalid_command' ? 'INVALID_COMMAND' : 'MAX_DELIVERIES_EXCEEDED',
        message: event.data.reason,
        retryable: false,
      })
    case 'SweepRetryScheduled':
      if (s.status !== 'failing' || event.data.attempt !== s.attempt + 1) return s
      return { ...s, status: 'waiting', readyAt: Date.parse(event.data.due_at), queuedSeq: seq }
    case 'SweepCompleted':
      return isTerminal(s) ? s : { ...s, status: 'completed', attemptDeadlineAt: null }
    case 'SweepFailed':
      return isTerminal(s) ? s : { ...s, status: 'failed', attemptDeadlineAt: null }
    case 'SweepCancelled':
      return isTerminal(s) ? s : { ...s, status: 'cancelled', attemptDeadlineAt: null }
    case 'SweepRetried':
      if (s.status !== 'failed' && s.status !== 'cancelled') return s
      return {
        ...s,
        status: 'queued',
        chainStart: s.attempt + 1,
        errors: [],
        readyAt: Date.parse(event.metadata.occurredAt),
        queuedSeq: seq,
        attemptDeadlineAt: null,
        jobDeadlineAt: null,
      }
    case 'SweepRequested':
    case 'SweepProgressed':
    case 'SweepResultsRecorded':
      return s
  }
}

function failAttempt(s: Job, error: RecordedError & { attempt: number }): Job {
  return { ...s, status: 'failing', errors: [...s.errors, error], attemptDeadlineAt: null }
}
