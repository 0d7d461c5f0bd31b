import { LogEvent, parseEvent, RESULT_FIELDS, type SweepResultRow } from '@zixly/contracts'
import { describe } from '@zixly/platform/errors'
import type { Logger } from '@zixly/platform'
import { compileEvent, REJECTED } from './plain-parse.ts'
import { Bytes } from './projections/copy-rows.ts'
import { isJobEvent, projections as allProjections, type BatchProjection, type LoggedEvent } from './projections/index.ts'

// Turning a message of the log into an event the projections apply. Imports nothing but the
// contracts and the projections: the rebuild's parsing thread (parse-worker.ts) runs it too.

/** A message read from the log: its stream sequence and its JSON payload. */
export interface LogMessage {
  readonly seq: number
  readonly subject: string
  readonly data: unknown
}

/** A message with its event parsed (`null` when it is not an event this version can read). */
export interface ParsedMessage {
  readonly seq: number
  readonly subject: string
  readonly event: LoggedEvent | null
  /** What the batch projections prepared of a job's event (`BatchProjection.prepare`), by name. */
  readonly prepared?: Readonly<Record<string, unknown>>
}

const preparing = allProjections.filter((p): p is BatchProjection & { prepare: NonNullable<BatchProjection['prepare']> } => p.kind === 'batch' && p.prepare !== undefined)
// Result rows are most of the log's bytes: when every batch projection has taken what it needs of
// them (`prepare`), they are dropped, so a message waiting for its batch is small.
const dropRows = preparing.length === allProjections.filter((p) => p.kind === 'batch').length

// Where the projections' `prepare` encodes bytes when the caller does not give a place of its own.
const pieces = new Bytes()

/**
 * Parses a message's payload once (zod + upcasting). An unreadable event is logged and kept as
 * `null`: it is skipped, yet still moves the checkpoint, so one bad message cannot stall the projector.
 * What the batch projections prepare of it is encoded into `out`.
 */
export function parseMessage(m: LogMessage, logger?: Pick<Logger, 'warn'>, out: Bytes = pieces): ParsedMessage {
  try {
    let event = parseData(m.data)
    if (!isJobEvent(event) || preparing.length === 0) return { seq: m.seq, subject: m.subject, event }
    const prepared: Record<string, unknown> = {}
    for (const p of preparing) prepared[p.name] = p.prepare(event, m.seq, out)
    if (dropRows && event.type === 'SweepResultsRecorded') event = { ...event, data: { ...event.data, rows: [] } }
    return { seq: m.seq, subject: m.subject, event, prepared }
  } catch (err) {
    logger?.warn({ seq: m.seq, subject: m.subject, reason: describe(err) }, 'skipping an unreadable event')
    return { seq: m.seq, subject: m.subject, event: null }
  }
}

/** `parseEvent`, by the shortest way that gives the same event (or throws the same error). */
export function parseData(data: unknown): LogEvent {
  return parsePlain(data) ?? parseCurrent(data) ?? parseEvent(data)
}

const INT_FIELDS = new Set(['fast_period', 'slow_period', 'total_trades', 'total_closed_trades'])
const TEXT_FIELDS = new Set(['max_drawdown_duration', 'avg_trade_duration'])
const RESULT_FIELD_CHECKS = RESULT_FIELDS.map((f) => ({
  f,
  int: INT_FIELDS.has(f),
  text: TEXT_FIELDS.has(f),
  nullable: f === 'profit_factor' || f === 'rank_for_ticker',
}))

/** `SweepResultRow.parse` for rows that pass it, as plain checks; false for anything it might reject. */
function resultRowsValid(rows: unknown): rows is SweepResultRow[] {
  if (!Array.isArray(rows)) return false
  for (const r of rows as unknown[]) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false
    const row = r as Record<string, unknown>
    for (const c of RESULT_FIELD_CHECKS) {
      const v = row[c.f]
      if (v === null && c.nullable) continue
      if (c.text ? typeof v !== 'string' : typeof v !== 'number' || !Number.isFinite(v) || (c.int && !Number.isInteger(v))) return false
    }
    const rank = row.rank_for_ticker
    if (typeof rank === 'number' && (!Number.isInteger(rank) || rank < 1)) return false
  }
  return true
}

type EventSchema = (typeof LogEvent.options)[number]
// Each event type's current version, by type. `parseEvent` checks the envelope (RawEnvelope), then
// upcasts an older version, then checks the whole event again against the union of current ones:
// zod's work, and most of its allocations, twice over for every event of the log.
const CURRENT = new Map<unknown, EventSchema>(LogEvent.options.map((o) => [o.shape.type.value, o]))

// The current versions whose schemas compile to plain checks (plain-parse.ts): the log's frequent
// events (progress, dispatch, start, result chunks) do; those that do not go through zod. Result
// chunks are most of the log's bytes and their rows most of zod's work: their rows are checked by
// `resultRowsValid` and kept as they are (only the result fields are ever read).
const PLAIN = new Map<unknown, (v: unknown) => LogEvent | undefined>(
  LogEvent.options.flatMap((o) => {
    const own = o.shape.type.value === 'SweepResultsRecorded' ? { rows: (v: unknown) => (resultRowsValid(v) ? v : REJECTED) } : {}
    const check = compileEvent(o, own)
    return check ? [[o.shape.type.value, check] as const] : []
  }),
)

/** `parseEvent` for an event at its type's current version that passes the plain checks of its schema. */
function parsePlain(data: unknown): LogEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  return PLAIN.get((data as { type?: unknown }).type)?.(data)
}

/**
 * `parseEvent` for an event already at its type's current version, checked once with that version's
 * schema: whatever passes it passes RawEnvelope too, nothing is upcast, and the union picks the same
 * schema, so the result is the same. Undefined for anything else, or anything that fails (then
 * `parseEvent` runs, and reports why).
 */
function parseCurrent(data: unknown): LogEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as { type?: unknown; version?: unknown }
  const schema = CURRENT.get(d.type)
  if (schema === undefined || d.version !== schema.shape.version.value) return undefined
  const r = schema.safeParse(data)
  return r.success ? r.data : undefined
}

