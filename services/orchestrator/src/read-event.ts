import { parseEvent, SweepResultsRecorded, type LogEvent } from '@zixly/contracts'
import { z } from 'zod'

/**
 * A SweepResultsRecorded as the orchestrator reads it: every field validated but the rows, read as
 * an empty list. The orchestrator's state takes nothing from a chunk of results but its place in the
 * job's subject (the sequence the next guarded append expects), and validating the rows was about a
 * third of the validation of a job's events here; the projector, which stores them, validates them.
 */
const ResultsRecordedHead = SweepResultsRecorded.extend({
  data: SweepResultsRecorded.shape.data.extend({ rows: z.array(z.unknown()).transform((): [] => []) }),
})

// The current version: an older one is upcast, rows included, so it takes parseEvent's full path.
const RESULTS_VERSION: number = SweepResultsRecorded.shape.version.value

/** An event of the log as the orchestrator folds it (see `ResultsRecordedHead`); throws InvalidEventError like parseEvent. */
export function readEvent(input: unknown): LogEvent {
  const raw = input as { type?: unknown; version?: unknown } | null
  if (raw?.type === 'SweepResultsRecorded' && raw.version === RESULTS_VERSION) {
    const head = ResultsRecordedHead.safeParse(input)
    if (head.success) return head.data
  }
  return parseEvent(input)
}
