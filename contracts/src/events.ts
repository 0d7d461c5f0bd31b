import { z } from 'zod'
import { envelopeOf, RawEnvelope } from './envelope.ts'
import { SUBJECT_TOKEN } from './names.ts'
import { SweepResultRow } from './results.ts'
import { SweepParams } from './sweep.ts'

const JobId = z.uuid()
const Attempt = z.number().int().min(1)

/** An error as it is recorded in the log: a stable code, a message, and whether a retry may help. */
export const RecordedError = z.object({
  code: z.string().min(1).max(100),
  message: z.string().max(2000),
  retryable: z.boolean(),
})
export type RecordedError = z.infer<typeof RecordedError>

/** A client asked for a sweep (current version). */
export const SweepRequestedV2 = envelopeOf(
  'SweepRequested',
  2,
  z.object({
    job_id: JobId,
    params: SweepParams,
    idempotency_key: z.string().max(255).optional(),
    requested_by: z.string().max(200).optional(),
  }),
)
/** The first version: SMA only, no strategy, no options. Kept so old logs replay. */
export const SweepRequestedV1 = envelopeOf(
  'SweepRequested',
  1,
  z.object({
    job_id: JobId,
    ticker: z.string(),
    fast_range: z.tuple([z.number().int(), z.number().int()]),
    slow_range: z.tuple([z.number().int(), z.number().int()]),
    step: z.number().int().min(1).optional(),
    min_trades: z.number().int().min(0).optional(),
  }),
)

/**
 * The orchestrator admitted an attempt and sent its RunSweep command. The deadlines (absent in old
 * logs) are in the log so a restarted orchestrator rebuilds its timers from them.
 */
export const SweepDispatched = envelopeOf(
  'SweepDispatched',
  1,
  z.object({
    job_id: JobId,
    attempt: Attempt,
    command_id: z.string().min(1).max(200),
    /** When this attempt must have ended (per-attempt timeout, capped by the job deadline). */
    deadline_at: z.iso.datetime().optional(),
    /** When the whole attempt chain must have ended (set at its first dispatch). */
    job_deadline_at: z.iso.datetime().optional(),
  }),
)
/** An executor began an attempt. */
export const SweepStarted = envelopeOf(
  'SweepStarted',
  1,
  z.object({
    job_id: JobId,
    attempt: Attempt,
    executor_id: z.string().max(200),
    combinations: z.number().int().min(0),
    bars: z.number().int().min(0),
  }),
)
/** Part of the grid is done. */
export const SweepProgressed = envelopeOf(
  'SweepProgressed',
  1,
  z.object({
    job_id: JobId,
    attempt: Attempt,
    done: z.number().int().min(0),
    total: z.number().int().min(0),
  }),
)
/** A chunk of the results of an attempt (at most RESULTS_CHUNK_SIZE rows, so a message stays small). */
export const SweepResultsRecorded = envelopeOf(
  'SweepResultsRecorded',
  1,
  z.object({
    job_id: JobId,
    attempt: Attempt,
    chunk: z.number().int().min(0),
    chunks: z.number().int().min(1),
    rows: z.array(SweepResultRow),
  }),
)
/** Rows per SweepResultsRecorded event: about 250 KB of JSON, well under NATS' 1 MB payload limit. */
export const RESULTS_CHUNK_SIZE = 500

/** An attempt finished and all its result chunks are in the log before this event. */
export const SweepCompleted = envelopeOf(
  'SweepCompleted',
  1,
  z.object({
    job_id: JobId,
    attempt: Attempt,
    total_combinations: z.number().int().min(0),
    ranked_combinations: z.number().int().min(0),
    result_chunks: z.number().int().min(0),
    best: SweepResultRow.nullable(),
    bnh_return_pct: z.number(),
    bars: z.number().int().min(0),
    duration_ms: z.number().min(0),
    results_uri: z.string().max(2000).nullable(),
  }),
)
/** An attempt failed; the orchestrator decides whether another follows. */
export const SweepAttemptFailed = envelopeOf(
  'SweepAttemptFailed',
  1,
  z.object({ job_id: JobId, attempt: Attempt, error: RecordedError }),
)
/** The job failed for good. */
export const SweepFailed = envelopeOf(
  'SweepFailed',
  1,
  z.object({
    job_id: JobId,
    attempts: z.number().int().min(0),
    reason: z.string().max(2000),
    errors: z.array(RecordedError.extend({ attempt: Attempt })),
  }),
)
/** The job was cancelled; it never completes afterwards. */
export const SweepCancelled = envelopeOf(
  'SweepCancelled',
  1,
  z.object({ job_id: JobId, reason: z.string().max(2000), cancelled_by: z.string().max(200).optional() }),
)

/** An attempt failed and another follows after a backoff: the attempt is dispatched once `due_at` passes. */
export const SweepRetryScheduled = envelopeOf(
  'SweepRetryScheduled',
  1,
  z.object({
    job_id: JobId,
    /** The attempt that will be dispatched. */
    attempt: Attempt,
    due_at: z.iso.datetime(),
    delay_ms: z.number().int().min(0),
  }),
)
/** A failed or cancelled job was asked to run again: a new attempt chain on the same job id. */
export const SweepRetried = envelopeOf(
  'SweepRetried',
  1,
  z.object({
    job_id: JobId,
    reason: z.string().max(2000).optional(),
    requested_by: z.string().max(200).optional(),
  }),
)

/** What is kept of a message taken out of circulation. */
const DeadLetteredMessage = z.object({
  source: z.enum(['invalid_command', 'max_deliveries']),
  stream: z.string().max(200),
  stream_seq: z.number().int().min(0),
  subject: z.string().max(500),
  deliveries: z.number().int().min(0).optional(),
  reason: z.string().max(2000),
  /** The message as received (cut to 4,000 characters), to inspect or redrive it. */
  payload: z.string().max(4000).optional(),
})
/**
 * A command for this job could not be processed and was taken out of circulation: it failed schema
 * validation (terminated), or JetStream gave up on it after its maximum deliveries.
 */
export const SweepCommandDeadLettered = envelopeOf(
  'SweepCommandDeadLettered',
  1,
  DeadLetteredMessage.extend({ job_id: JobId, attempt: Attempt.optional() }),
)

/** Every current version of a job's events (one job subject each), discriminated by `type`. */
export const SweepEvent = z.discriminatedUnion('type', [
  SweepRequestedV2,
  SweepDispatched,
  SweepStarted,
  SweepProgressed,
  SweepResultsRecorded,
  SweepCompleted,
  SweepAttemptFailed,
  SweepRetryScheduled,
  SweepFailed,
  SweepCancelled,
  SweepRetried,
  SweepCommandDeadLettered,
])
export type SweepEvent = z.infer<typeof SweepEvent>
export type SweepEventType = SweepEvent['type']
export type EventOf<T extends SweepEventType> = Extract<SweepEvent, { type: T }>

const Scope = z.object({
  /** The tenant whose dispatch this is about; null for every tenant. */
  tenant_id: z.string().regex(SUBJECT_TOKEN).nullable(),
  reason: z.string().max(2000).optional(),
  requested_by: z.string().max(200).optional(),
})
/** Dispatch is paused (for one tenant or all): queued jobs wait, running ones finish. */
export const DispatchPaused = envelopeOf('DispatchPaused', 1, Scope)
/** Dispatch resumes (for one tenant or all). */
export const DispatchResumed = envelopeOf('DispatchResumed', 1, Scope)
/** A message that names no job it could be recorded on (e.g. an unreadable command). */
export const MessageDeadLettered = envelopeOf(
  'MessageDeadLettered',
  1,
  DeadLetteredMessage.extend({ dead_letter_id: z.string().min(1).max(200) }),
)

/** Events that belong to no job: dispatch control and dead-lettered messages. */
export const ControlEvent = z.discriminatedUnion('type', [
  DispatchPaused,
  DispatchResumed,
  MessageDeadLettered,
])
export type ControlEvent = z.infer<typeof ControlEvent>

/** Every current event version of the log. */
export const LogEvent = z.discriminatedUnion('type', [...SweepEvent.options, ...ControlEvent.options])
export type LogEvent = z.infer<typeof LogEvent>
export type LogEventType = LogEvent['type']

const SWEEP_EVENT_TYPES: ReadonlySet<string> = new Set(SweepEvent.options.map((o) => o.shape.type.value))
/** Whether an event belongs to a job (has `data.job_id` and lives on the job's subject). */
export const isSweepEvent = (e: LogEvent): e is SweepEvent => SWEEP_EVENT_TYPES.has(e.type)

/** Events after which a job changes no more, unless a retry (`SweepRetried`) starts a new attempt chain. */
export const TERMINAL_EVENT_TYPES = ['SweepCompleted', 'SweepFailed', 'SweepCancelled'] as const

type Upcaster = (raw: RawEnvelope) => unknown

const v1Defaults = {
  strategy_type: 'SMA',
  signal_period: 9,
  interval: '1d',
  fee: 0.001,
  init_cash: 1000,
  priority: 5,
  max_attempts: 3,
} as const

/** Turns older versions into the current one, so domain code only sees the latest. */
const upcasters: Record<string, Record<number, Upcaster>> = {
  SweepRequested: {
    1: (raw) => {
      const old = SweepRequestedV1.parse(raw)
      return {
        ...old,
        version: 2,
        data: {
          job_id: old.data.job_id,
          params: {
            ...v1Defaults,
            ticker: old.data.ticker,
            fast_range: old.data.fast_range,
            slow_range: old.data.slow_range,
            step: old.data.step ?? 1,
            min_trades: old.data.min_trades ?? 50,
          },
        },
      }
    },
  },
}

/** Error raised when bytes from the log are not an event this version understands. */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InvalidEventError'
  }
}

function parseAny(input: unknown): LogEvent {
  const raw = RawEnvelope.safeParse(input)
  if (!raw.success) throw new InvalidEventError(`not an event envelope: ${raw.error.message}`)
  const upcast = upcasters[raw.data.type]?.[raw.data.version]
  const current = upcast ? upcast(raw.data) : raw.data
  const parsed = LogEvent.safeParse(current)
  if (!parsed.success)
    throw new InvalidEventError(`invalid ${raw.data.type} v${raw.data.version}: ${parsed.error.message}`)
  return parsed.data
}

/**
 * Parses any stored version of any event of the log into the current one: a job's events
 * (`isSweepEvent`) and the events that belong to no job (dispatch control, unattributable dead
 * letters). Readers ignore the types they do not handle.
 */
export function parseEvent(input: unknown): LogEvent {
  return parseAny(input)
}

/** Parses an event read from a job's subject; anything that is not a job event is an error. */
export function parseSweepEvent(input: unknown): SweepEvent {
  const e = parseAny(input)
  if (!isSweepEvent(e)) throw new InvalidEventError(`${e.type} is not a job event`)
  return e
}
