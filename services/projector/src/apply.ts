import { parseEvent, RESULT_FIELDS, SweepResultsRecorded, type LogEvent, type SweepResultRow } from '@zixly/contracts'
import { describe, type Logger, type PoolClient } from '@zixly/platform'
import {
  isJobEvent,
  projections as allProjections,
  type BatchProjection,
  type JsonRow,
  type LoggedEvent,
  type Positioned,
  type Projection,
  type Statement,
} from './projections/index.ts'
import { copyIn } from './copy.ts'
import { Bytes } from './projections/copy-rows.ts'

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
export function parseMessage(m: LogMessage, logger?: Logger, out: Bytes = pieces): ParsedMessage {
  try {
    let event = parseFast(m.data) ?? parseEvent(m.data)
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

const INT_FIELDS = new Set(['fast_period', 'slow_period', 'total_trades', 'total_closed_trades'])
const TEXT_FIELDS = new Set(['max_drawdown_duration', 'avg_trade_duration'])
const RESULT_FIELD_CHECKS = RESULT_FIELDS.map((f) => ({
  f,
  int: INT_FIELDS.has(f),
  text: TEXT_FIELDS.has(f),
  nullable: f === 'profit_factor' || f === 'rank_for_ticker',
}))

// The current version: an older one would be upcast, rows included, so it takes the full path.
const RESULTS_VERSION: number = SweepResultsRecorded.shape.version.value

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

/**
 * Result chunks are most of the log's bytes, and their rows most of zod's work. A current-version
 * SweepResultsRecorded whose rows pass the same checks as `SweepResultRow`, written out, is parsed
 * with zod without its rows, which are then put back as they are (only the result fields are ever
 * read). Anything else, or any doubt, goes through `parseEvent` in full. Same results, same errors.
 */
function parseFast(data: unknown): LogEvent | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const d = data as { type?: unknown; version?: unknown; data?: unknown }
  if (d.type !== 'SweepResultsRecorded' || d.version !== RESULTS_VERSION || typeof d.data !== 'object' || d.data === null) return undefined
  const rows = (d.data as { rows?: unknown }).rows
  if (!resultRowsValid(rows)) return undefined
  const e = parseEvent({ ...d, data: { ...d.data, rows: [] } })
  if (e.type !== 'SweepResultsRecorded' || e.version !== RESULTS_VERSION) return undefined
  return { ...e, data: { ...e.data, rows } }
}

export interface Applied {
  /** Highest sequence now applied (every projection's checkpoint is at least this). */
  readonly checkpoint: number
  /** Tenant → jobs whose read models changed, for the change notice. */
  readonly touched: Map<string, Set<string>>
}

/**
 * Serialises the writers of one read-model schema: the projector holds it for each batch, and a
 * rebuild holds it while it swaps schemas, so no batch straddles the swap. Keyed by the schema's name,
 * which the rebuilt schema takes over.
 */
export async function lockReadModels(c: PoolClient): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('zixly-projector:' || current_schema()))`)
}

/** Each projection's checkpoint (created at 0 for a projection seen for the first time), locked for this transaction. */
export async function checkpoints(c: PoolClient, names: readonly string[]): Promise<Map<string, number>> {
  await c.query(`INSERT INTO projection_checkpoints (name, seq) SELECT unnest($1::text[]), 0 ON CONFLICT (name) DO NOTHING`, [names])
  const r = await c.query<{ name: string; seq: string }>(
    `SELECT name, seq FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,
    [names],
  )
  return new Map(r.rows.map((row) => [row.name, Number(row.seq)]))
}

const run = async (c: PoolClient, s: Statement): Promise<{ rows: Array<{ row: JsonRow }> }> => (s.copy ? (await copyIn(c, s), { rows: [] }) : c.query(s.text, [...s.values]))

/**
 * Applies messages (in log order) to every projection inside the caller's transaction, and moves
 * each projection's checkpoint to the last message. A projection skips what it already holds
 * (sequence ≤ its checkpoint), so applying a range twice changes nothing. Events of a job's life are
 * applied per run with set-based statements; an event that an `event` projection handles first
 * flushes the run up to it, so every projection sees the log in order.
 */
export async function applyMessages(
  c: PoolClient,
  messages: readonly LogMessage[],
  opts: { projections?: readonly Projection[]; logger?: Logger } = {},
): Promise<Applied> {
  return applyParsed(
    c,
    messages.map((m) => parseMessage(m, opts.logger)),
    opts,
  )
}

/** `applyMessages` for messages already parsed (the shells parse while the previous batch is written). */
export async function applyParsed(
  c: PoolClient,
  messages: readonly ParsedMessage[],
  opts: { projections?: readonly Projection[] } = {},
): Promise<Applied> {
  const projections = opts.projections ?? allProjections
  const cps = await checkpoints(
    c,
    projections.map((p) => p.name),
  )
  const floor = Math.min(...cps.values())
  const touched = new Map<string, Set<string>>()
  const batch = projections.filter((p): p is BatchProjection => p.kind === 'batch')
  let pending: Positioned[] = []

  const flush = async () => {
    for (const p of batch) {
      const from = cps.get(p.name) ?? 0
      const runOf = from <= floor ? pending : pending.filter((x) => x.seq > from)
      if (runOf.length === 0) continue
      const loaded: JsonRow[][] = []
      for (const s of p.load(runOf)) loaded.push((await run(c, s)).rows.map((r) => r.row))
      for (const s of p.write(runOf, loaded)) await run(c, s)
    }
    pending = []
  }

  for (const m of messages) {
    const event = m.event
    if (m.seq <= floor || event === null) continue
    if (isJobEvent(event)) {
      const jobs = touched.get(event.metadata.tenantId) ?? new Set<string>()
      jobs.add(event.data.job_id)
      touched.set(event.metadata.tenantId, jobs)
      pending.push(m.prepared ? { event, seq: m.seq, prepared: m.prepared } : { event, seq: m.seq })
    }
    const statements: Statement[] = []
    for (const p of projections) if (p.kind === 'event' && m.seq > (cps.get(p.name) ?? 0)) statements.push(...p.project(event, { seq: m.seq }))
    if (statements.length > 0) {
      await flush()
      for (const s of statements) await run(c, s)
    }
  }
  await flush()
  const last = messages.at(-1)?.seq ?? floor
  await c.query(`UPDATE projection_checkpoints SET seq = GREATEST(seq, $2), updated_at = now() WHERE name = ANY($1::text[])`, [
    [...cps.keys()],
    last,
  ])
  return { checkpoint: Math.max(last, floor), touched }
}
