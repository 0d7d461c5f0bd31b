import { RESULT_FIELDS, type SweepEvent } from '@zixly/contracts'
import { ATTEMPT_COLUMNS, evolveAttempt, evolveJob, JOB_COLUMNS } from './job-rows.ts'
import { summarize } from './summary.ts'
import type { BatchProjection, JsonRow, Positioned, Statement } from './types.ts'

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
const RESULT_ROW_COLUMNS = ['job_id', 'tenant_id', 'ticker', 'strategy_type', 'attempt', ...RESULT_FIELDS]
const resultType = (c: string) => (c === 'job_id' ? 'uuid' : c === 'attempt' ? 'int' : ['tenant_id', 'ticker', 'strategy_type'].includes(c) ? 'text' : (RESULT_TYPES[c] ?? 'double precision'))

const TIMELINE_COLUMNS = 'seq bigint, job_id uuid, tenant_id text, event_id text, type text, version int, attempt int, occurred_at timestamptz, summary text, data jsonb'

/** `INSERT … SELECT` of every row of a JSON array, updating the listed columns on a key conflict. */
function upsert(table: string, key: string, columns: readonly string[], rows: JsonRow[]): Statement {
  const cols = columns.join(', ')
  const set = columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`)
  return {
    text: `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)
           ON CONFLICT (${key}) DO UPDATE SET ${set.join(', ')}`,
    values: [JSON.stringify(rows)],
  }
}

const attemptOf = (e: SweepEvent): number | null => ('attempt' in e.data && typeof e.data.attempt === 'number' ? e.data.attempt : null)

/** Timeline row of an event; the bulky result rows stay out of `data` (they have their own table). */
function timelineRow({ event: e, seq }: Positioned): JsonRow {
  const data = e.type === 'SweepResultsRecorded' ? { ...e.data, rows: undefined, row_count: e.data.rows.length } : e.data
  return {
    seq,
    job_id: e.data.job_id,
    tenant_id: e.metadata.tenantId,
    event_id: e.id,
    type: e.type,
    version: e.version,
    attempt: attemptOf(e),
    occurred_at: e.metadata.occurredAt,
    summary: summarize(e) ?? e.type,
    data,
  }
}

/**
 * The jobs, attempts, results and timeline read models. A run of events is folded over the rows it
 * touches (loaded in two statements) and written with one statement per table, whatever its length.
 */
export const jobsProjection: BatchProjection = {
  kind: 'batch',
  name: 'jobs',
  tables: ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events'],

  load(run) {
    const ids = [...new Set(run.map((p) => p.event.data.job_id))]
    return [
      { text: `SELECT to_jsonb(j) AS row FROM pipeline_jobs j WHERE id = ANY($1::uuid[])`, values: [ids] },
      { text: `SELECT to_jsonb(a) AS row FROM job_attempts a WHERE job_id = ANY($1::uuid[])`, values: [ids] },
    ]
  },

  write(run, [loadedJobs = [], loadedAttempts = []]) {
    const jobs = new Map(loadedJobs.map((r) => [r.id as string, r]))
    const attempts = new Map(loadedAttempts.map((r) => [`${r.job_id as string}:${String(r.attempt)}`, r]))
    const changedJobs = new Set<string>()
    const changedAttempts = new Set<string>()
    const tenants = new Map<string, string>()
    const results = new Map<string, JsonRow>()
    for (const { event: e, seq } of run) {
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
      if (e.type === 'SweepResultsRecorded' && job)
        for (const r of e.data.rows) {
          const key = `${id}:${r.fast_period}:${r.slow_period}`
          if (!results.has(key))
            results.set(key, { ...r, job_id: id, tenant_id: job.tenant_id, ticker: job.ticker, strategy_type: job.strategy_type, attempt: e.data.attempt })
        }
    }
    const out: Statement[] = []
    if (tenants.size > 0)
      out.push({
        text: `INSERT INTO tenants (id, name, created_at) SELECT t.id, t.id, t.at FROM unnest($1::text[], $2::timestamptz[]) AS t(id, at)
               ON CONFLICT (id) DO NOTHING`,
        values: [[...tenants.keys()], [...tenants.values()]],
      })
    if (changedJobs.size > 0) out.push(upsert('pipeline_jobs', 'id', JOB_COLUMNS, [...changedJobs].map((id) => jobs.get(id)!)))
    if (changedAttempts.size > 0)
      out.push(upsert('job_attempts', 'job_id, attempt', ATTEMPT_COLUMNS, [...changedAttempts].map((k) => attempts.get(k)!)))
    if (results.size > 0)
      out.push({
        text: `INSERT INTO trading_sweep_results (${RESULT_ROW_COLUMNS.join(', ')})
               SELECT ${RESULT_ROW_COLUMNS.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${RESULT_ROW_COLUMNS.map((c) => `${c} ${resultType(c)}`).join(', ')})
               ON CONFLICT (job_id, fast_period, slow_period) DO NOTHING`,
        values: [JSON.stringify([...results.values()])],
      })
    out.push({
      text: `INSERT INTO job_events (seq, job_id, tenant_id, event_id, type, version, attempt, occurred_at, summary, data)
             SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${TIMELINE_COLUMNS}) ON CONFLICT (seq) DO NOTHING`,
      values: [JSON.stringify(run.map(timelineRow))],
    })
    return out
  },
}
