import { SweepEvent, type parseEvent } from '@zixly/contracts'
import type { Bytes } from './copy-rows.ts'

/** One parameterised SQL statement; or, with `copy`, a `COPY … FROM STDIN` and its data (in chunks, in the format the statement names). */
export interface Statement {
  readonly text: string
  readonly values: readonly unknown[]
  readonly copy?: readonly Uint8Array[]
}

/** Position of an event in the log. */
export interface Position {
  readonly seq: number
}

/** Any event the log may hold, as `parseEvent` returns it (job events and any others). */
export type LoggedEvent = ReturnType<typeof parseEvent>

const JOB_EVENT_TYPES: ReadonlySet<string> = new Set(SweepEvent.options.map((o) => o.shape.type.value))
/** Whether an event belongs to a job's life (one job subject each, with `data.job_id`). */
export const isJobEvent = (e: LoggedEvent): e is SweepEvent => JOB_EVENT_TYPES.has(e.type)

/** An event with its stream sequence. */
export interface Positioned {
  readonly event: SweepEvent
  readonly seq: number
  /** What each batch projection's `prepare` made of the event when it was parsed, by projection name. */
  readonly prepared?: Readonly<Record<string, unknown>>
}

/** A row as `to_jsonb(row)` gives it: timestamps are ISO strings, so nothing is lost on the way back. */
export type JsonRow = Record<string, unknown>

/**
 * A read model whose events each become a few statements, run in log order. Suits rare events
 * (cancel, retry, dead letters): before they run, the shell flushes the batch projections up to and
 * including that event, so every projection sees the log in the same order.
 */
export interface EventProjection {
  readonly kind: 'event'
  readonly name: string
  /** Tables it writes and a rebuild recreates from the log. */
  readonly tables: readonly string[]
  readonly project: (e: LoggedEvent, pos: Position) => Statement[]
}

/**
 * A read model that applies a whole run of events with a few set-based statements: `load` reads
 * the rows the run touches (the shell runs these statements), `write` folds the run over them and
 * returns the statements that store the result. Both are pure.
 */
export interface BatchProjection {
  readonly kind: 'batch'
  readonly name: string
  readonly tables: readonly string[]
  /**
   * Optional: what `write` needs of one event, computed as soon as the event is parsed — while the
   * previous batch is being written — and kept with it instead of its bulky parts. A projection that
   * prepares takes from a SweepResultsRecorded's rows all it needs here: once every batch projection
   * prepares, the rows are not kept while the event waits for its batch (`write` sees them empty).
   * `write` gets it as `Positioned.prepared[name]` (absent when the event came another way). Bytes
   * it encodes go into `out` as pieces (during a rebuild, on a parsing thread that hands `out`'s
   * buffers over with the events); what it returns must survive a structured clone.
   */
  readonly prepare?: (e: SweepEvent, seq: number, out: Bytes) => unknown
  readonly load: (run: readonly Positioned[]) => Statement[]
  /**
   * Optional: statements that depend on no row the run folds (rows only ever appended, whose fields
   * were prepared), given what `load` read. The shell sends the first of them before calling `write`,
   * so Postgres stores them while `write` folds the run, and sends `write`'s statements after them.
   * They must not depend on `write`'s statements.
   */
  readonly append?: (run: readonly Positioned[], loaded: ReadonlyArray<readonly JsonRow[]>) => Statement[]
  readonly write: (run: readonly Positioned[], loaded: ReadonlyArray<readonly JsonRow[]>) => Statement[]
}

export type Projection = EventProjection | BatchProjection
