import { RESULT_FIELDS, type SweepEvent, type SweepResultRow } from '@zixly/contracts'
import { ATTEMPT_COLUMNS, evolveAttempt, evolveJob, JOB_COLUMNS } from './job-rows.ts'
import { Bytes, CopyRows } from './copy-rows.ts'
import { ColumnRows, updateOnConflict, type ColumnTypes } from './sql.ts'
import { summarize } from './summary.ts'
import type { BatchProjection, Positioned, Statement } from './types.ts'

export type { Position, Statement } from './types.ts'

const RESULT_TYPES: Record<string, string> = {
  fast_period: 'int',
  slow_period: 'int',
  total_trades: 'int',
  total_closed_trades: 'int',
  rank_for_ticker: 'int',
  max_drawdown_duration: 'text',
  avg_trade_duration: 'text',
}
const RESULT_COLUMNS: ColumnTypes = {
  job_id: 'uuid',
  tenant_id: 'text',
  ticker: 'text',
  strategy_type: 'text',
  attempt: 'int',
  ...Object.fromEntries(RESULT_FIELDS.map((f) => [f, RESULT_TYPES[f] ?? 'float8'])),
}

const TIMELINE_COLUMNS: ColumnTypes = {
  seq: 'bigint',
  job_id: 'uuid',
  tenant_id: 'text',
  event_id: 'text',
  type: 'text',
  version: 'int',
  attempt: 'int',
  occurred_at: 'timestamptz',
  summary: 'text',
  data: 'jsonb',
}

const attemptOf = (e: SweepEvent): number | null => ('attempt' in e.data && typeof e.data.attempt === 'number' ? e.data.attempt : null)

/** Timeline row of an event, in TIMELINE_COLUMNS' order; the bulky result rows stay out of `data` (they have their own table). */
function timelineRow({ event: e, seq }: Positioned): unknown[] {
  const data = e.type === 'SweepResultsRecorded' ? { ...e.data, rows: undefined, row_count: e.data.rows.length } : e.data
  return [seq, e.data.job_id, e.metadata.tenantId, e.id, e.type, e.version, attemptOf(e), e.metadata.occurredAt, summarize(e) ?? e.type, data]
}

// Encoders of COPY fields (stateless use of CopyRows).
const timelineRows = new CopyRows(TIMELINE_COLUMNS)
const resultRows = new CopyRows(RESULT_COLUMNS)
const LEAD = 5 // job_id, tenant_id, ticker, strategy_type, attempt: the columns a job's result rows share

/** What the jobs projection keeps of an event between parsing and writing (see `prepare`): binary COPY fields. */
interface Prepared {
  /** The event's timeline row: every column's field. */
  readonly timeline: Uint8Array
  /** Result rows' metric columns (the columns after LEAD), one row after another. */
  readonly metrics?: Uint8Array
  /** Per result row, three numbers: its fast and slow periods, and where its fields end in `metrics`. */
  readonly rows?: readonly number[]
}

// A message waits for its batch for up to two batches' time, long enough for the garbage collector to
// copy what it holds out of the young generation: a result chunk's rows are kept as one piece of bytes
// and one array of numbers rather than a view and a "fast:slow" string per row (~20 fewer objects per
// chunk of 10 rows).
function prepare(e: SweepEvent, seq: number, out: Bytes): Prepared {
  timelineRows.encode(out, timelineRow({ event: e, seq }))
  const timeline = out.piece()
  return e.type === 'SweepResultsRecorded' ? { timeline, ...resultPieces(e.data.rows, out) } : { timeline }
}

/** A result chunk's rows as `Prepared` keeps them: their metric fields in one piece, and per row its periods and end. */
function resultPieces(results: readonly SweepResultRow[], out: Bytes): Required<Pick<Prepared, 'metrics' | 'rows'>> {
  const values = new Array<unknown>(RESULT_FIELDS.length)
  const rows: number[] = []
  for (const r of results) {
    for (let i = 0; i < RESULT_FIELDS.length; i++) values[i] = r[RESULT_FIELDS[i]!]
    resultRows.encode(out, values, LEAD)
    rows.push(r.fast_period, r.slow_period, out.length)
  }
  return { metrics: out.piece(), rows }
}

/** A combination's key among a job's: a number when both periods are small whole numbers (always, in practice), else a string. */
const combinationKey = (fast: number, slow: number): number | string =>
  fast >= 0 && slow >= 0 && fast < 0x10_0000 && slow < 0x10_0000 && Number.isInteger(fast) && Number.isInteger(slow) ? fast * 0x10_0000 + slow : `${fast}:${slow}`

/** The timeline row's fields of an event that came without what `prepare` makes of it. */
function timelineOf(p: Positioned): Uint8Array {
  timelineRows.encode(scratch, timelineRow(p))
  return scratch.piece()
}

// Where `write` encodes what was not prepared (events that came without it) and the result rows'
// leading columns: pieces that only live until the batch is written.
const scratch = new Bytes()

/**
 * Rows that may already exist: COPY them into a temporary table, then insert what is new with
 * `ON CONFLICT DO NOTHING`. (Rare: a range applied again, a retried attempt's results.)
 */
function staged(rows: CopyRows, table: string, conflict: string): Statement[] {
  const stage = `zixly_stage_${table}`
  const copy = rows.copy(stage)
  const cols = copy.text.slice(copy.text.indexOf('(') + 1, copy.text.indexOf(')'))
  return [
    { text: `CREATE TEMP TABLE ${stage} (LIKE ${table})`, values: [] },
    copy,
    { text: `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${stage} ON CONFLICT ${conflict} DO NOTHING`, values: [] },
    { text: `DROP TABLE ${stage}`, values: [] },
  ]
}

/**
 * The jobs, attempts, results and timeline read models. A run of events is folded over the rows it
 * touches (loaded in two statements) and written with one statement per table, whatever its length.
 */
export const jobsProjection: BatchProjection = {
  kind: 'batch',
  name: 'jobs',
  tables: ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events'],
  prepare,

  load(run) {
    const ids = [...new Set(run.map((p) => p.event.data.job_id))]
    const withResults = [...new Set(run.filter((p) => p.event.type === 'SweepResultsRecorded').map((p) => p.event.data.job_id))]
    return [
      { text: `SELECT to_jsonb(j) AS row FROM pipeline_jobs j WHERE id = ANY($1::uuid[])`, values: [ids] },
      { text: `SELECT to_jsonb(a) AS row FROM job_attempts a WHERE job_id = ANY($1::uuid[])`, values: [ids] },
      // Jobs of this run that already have result rows: only theirs can conflict (see write).
      {
        text: `SELECT jsonb_build_object('job_id', x.id) AS row FROM unnest($1::uuid[]) AS x(id)
               WHERE EXISTS (SELECT 1 FROM trading_sweep_results r WHERE r.job_id = x.id)`,
        values: [withResults],
      },
      // Timeline rows above the highest sequence held cannot exist yet (normally all of the run's).
      { text: `SELECT jsonb_build_object('seq', max(seq)) AS row FROM job_events`, values: [] },
    ]
  },

  // Timeline rows need nothing folded: they go while the run is folded (`write`). A row above the
  // highest sequence held is new and is COPied; one at or below it may exist (a range applied again)
  // and goes through a staging table and INSERT … ON CONFLICT DO NOTHING.
  append(run, [, , , loadedHeld = []]) {
    const heldSeq = Number(loadedHeld[0]?.seq ?? 0)
    const timeline = new CopyRows(TIMELINE_COLUMNS)
    const timelineAgain = new CopyRows(TIMELINE_COLUMNS)
    for (const p of run) {
      const prepared = p.prepared?.jobs as Prepared | undefined
      ;(p.seq > heldSeq ? timeline : timelineAgain).pushPieces(prepared?.timeline ?? timelineOf(p))
    }
    const out: Statement[] = []
    if (timelineAgain.size > 0) out.push(...staged(timelineAgain, 'job_events', '(seq)'))
    if (timeline.size > 0) out.push(timeline.copy('job_events'))
    return out
  },

  write(run, [loadedJobs = [], loadedAttempts = [], loadedWithResults = []]) {
    const jobs = new Map(loadedJobs.map((r) => [r.id as string, r]))
    const hadResults = new Set(loadedWithResults.map((r) => r.job_id as string))
    const attempts = new Map(loadedAttempts.map((r) => [`${r.job_id as string}:${String(r.attempt)}`, r]))
    const changedJobs = new Set<string>()
    const changedAttempts = new Set<string>()
    const tenants = new Map<string, string>()
    // Result rows are only ever inserted, so they go in by COPY: straight into the table when they
    // cannot exist yet, through a staging table and INSERT … ON CONFLICT DO NOTHING when they might (a
    // range applied again, a retried attempt recording the same combinations). A result row is new
    // unless its job already has results (within the run the first row of a combination wins). Their
    // metric fields were encoded when the events were parsed (`prepare`).
    const copied = new CopyRows(RESULT_COLUMNS)
    const results = new CopyRows(RESULT_COLUMNS)
    const recorded = new Map<string, Set<number | string>>()
    for (const p of run) {
      const { event: e, seq } = p
      const id = e.data.job_id
      const before = jobs.get(id)
      const job = evolveJob(before, e, seq)
      if (job && job !== before) {
        jobs.set(id, job)
        changedJobs.add(id)
      }
      if (e.type === 'SweepRequested' && !tenants.has(e.metadata.tenantId)) tenants.set(e.metadata.tenantId, e.metadata.occurredAt)
      const attempt = attemptOf(e)
      if (job && attempt !== null) {
        const key = `${id}:${attempt}`
        const prev = attempts.get(key)
        const next = evolveAttempt(prev, e)
        if (next && next !== prev) {
          attempts.set(key, next)
          changedAttempts.add(key)
        }
      }
      // A combination keeps the first row recorded for it (a retried attempt computes the same).
      if (e.type === 'SweepResultsRecorded' && job) {
        // (An event that came without `prepare`'s pieces: its timeline row is `append`'s to encode.)
        const prepared = (p.prepared?.jobs as Prepared | undefined) ?? resultPieces(e.data.rows, scratch)
        const again = hadResults.has(id)
        resultRows.encode(scratch, [id, job.tenant_id, job.ticker, job.strategy_type, e.data.attempt])
        const head = scratch.piece()
        const rows = prepared.rows ?? []
        let held = recorded.get(id)
        if (!held) recorded.set(id, (held = new Set()))
        for (let i = 0, from = 0; i < rows.length; i += 3) {
          const key = combinationKey(rows[i]!, rows[i + 1]!)
          const end = rows[i + 2]!
          if (!held.has(key)) {
            held.add(key)
            ;(again ? results : copied).pushPieces(head, prepared.metrics!.subarray(from, end))
          }
          from = end
        }
      }
    }
    const out: Statement[] = []
    if (tenants.size > 0)
      out.push({
        text: `INSERT INTO tenants (id, name, created_at) SELECT t.id, t.id, t.at FROM unnest($1::text[], $2::timestamptz[]) AS t(id, at)
               ON CONFLICT (id) DO NOTHING`,
        values: [[...tenants.keys()], [...tenants.values()]],
      })
    if (changedJobs.size > 0) {
      const rows = new ColumnRows(JOB_COLUMNS)
      for (const id of changedJobs) rows.pushRow(jobs.get(id)!)
      out.push(rows.insert('pipeline_jobs', updateOnConflict(['id'], JOB_COLUMNS)))
    }
    if (changedAttempts.size > 0) {
      const rows = new ColumnRows(ATTEMPT_COLUMNS)
      for (const key of changedAttempts) rows.pushRow(attempts.get(key)!)
      out.push(rows.insert('job_attempts', updateOnConflict(['job_id', 'attempt'], ATTEMPT_COLUMNS)))
    }
    if (results.size > 0) out.push(...staged(results, 'trading_sweep_results', '(job_id, fast_period, slow_period)'))
    if (copied.size > 0) out.push(copied.copy('trading_sweep_results'))
    return out
  },
}
