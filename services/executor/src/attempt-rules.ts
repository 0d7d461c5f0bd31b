import { parseSweepEvent, type RecordedError, type SweepEvent } from '@zixly/contracts'
import { describe, ZixlyError } from '@zixly/platform'

// The executor's rules about an attempt: when a command is still worth running, what stops it, and
// how an error is recorded. No I/O.

/** Marks an abort caused by this executor stopping, as opposed to the job being cancelled. */
export class HandedBack extends Error {}
/** Marks an abort caused by an event that ends this attempt (a cancel, a recorded failure, …). */
export class Superseded extends Error {}

/** Events of another delivery of the same attempt: they do not end it (the guarded appends decide). */
export const CONTINUES_ATTEMPT: ReadonlySet<string> = new Set([
  'SweepStarted',
  'SweepProgressed',
  'SweepResultsRecorded',
])

/** Whether the job's last event leaves this attempt to run: its dispatch, or an earlier delivery's progress. */
export function isAboutAttempt(last: SweepEvent, attempt: number): boolean {
  if (last.type !== 'SweepDispatched' && !CONTINUES_ATTEMPT.has(last.type)) return false
  return 'attempt' in last.data && last.data.attempt === attempt
}

export function safeJson(m: { json: () => unknown }): unknown {
  try {
    return m.json()
  } catch {
    return null
  }
}

export function tryParse(data: unknown): SweepEvent | null {
  try {
    return parseSweepEvent(data)
  } catch {
    return null
  }
}

export function toRecorded(err: unknown, timedOut: boolean): RecordedError {
  if (timedOut)
    return { code: 'ATTEMPT_TIMEOUT', message: 'the attempt ran past its deadline', retryable: true }
  if (err instanceof ZixlyError)
    return { code: err.code, message: err.message.slice(0, 2000), retryable: err.retryable }
  const e = err as { code?: unknown; retryable?: unknown }
  return {
    code: typeof e.code === 'string' ? e.code : 'EXECUTION_ERROR',
    message: describe(err).slice(0, 2000),
    retryable: typeof e.retryable === 'boolean' ? e.retryable : true,
  }
}
