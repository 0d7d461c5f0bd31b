import {
  JobCountsQuery,
  JobsQuery,
  JobSummary,
  type JobChanges,
  type JobCounts,
  type JobsPage,
  type JobsQueryInput,
} from '@zixly/contracts'
import { ValidationError } from '@zixly/platform'
import { z } from 'zod'
import { iso, msBetween, pct, statusCounts, type Queryable } from './db.ts'

const SummaryRow = z.object({
  id: z.string(),
  status: JobSummary.shape.status,
  ticker: z.string(),
  strategy_type: JobSummary.shape.strategy_type,
  priority: z.number(),
  attempts: z.number(),
  max_attempts: z.number(),
  progress_done: z.number(),
  progress_total: z.number(),
  total_combinations: z.number().nullable(),
  best_score: z.number().nullable(),
  error_message: z.string().nullable(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  updated_at: z.date(),
  last_seq: z.coerce.number(),
  created_us: z.string(),
})
type SummaryRow = z.infer<typeof SummaryRow>

/** Columns of a job summary; `created_us` is the exact creation time (µs) the cursor carries. */
export const SUMMARY_COLUMNS = `id, status, ticker, strategy_type, priority, attempts, max_attempts, progress_done, progress_total,
  total_combinations, (best->>'score')::double precision AS best_score, error_message, created_at, started_at, completed_at,
  updated_at, last_seq, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us`

/** A database row (columns `SUMMARY_COLUMNS`) as the API shows it. */
export function toSummary(raw: unknown): JobSummary {
  const r: SummaryRow = SummaryRow.parse(raw)
  return {
    job_id: r.id,
    status: r.status,
    ticker: r.ticker,
    strategy_type: r.strategy_type,
    priority: r.priority,
    attempts: r.attempts,
    max_attempts: r.max_attempts,
    progress: { done: r.progress_done, total: r.progress_total, pct: pct(r.progress_done, r.progress_total) },
    total_combinations: r.total_combinations,
    best_score: r.best_score,
    error: r.error_message,
    created_at: r.created_at.toISOString(),
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
    updated_at: r.updated_at.toISOString(),
    duration_ms: msBetween(r.created_at, r.completed_at),
    last_seq: r.last_seq,
  }
}

// The cursor is the last row's exact (created_at in µs, id): keyset pagination stays stable while
// jobs are added, and never skips or repeats a row (timestamps alone are not unique).
const Cursor = z.tuple([z.string().regex(/^-?\d{1,20}$/), z.uuid()])

export function encodeCursor(createdUs: string, id: string): string {
  return Buffer.from(JSON.stringify([createdUs, id])).toString('base64url')
}

function decodeCursor(cursor: string): [string, string] {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
  } catch {
    throw new ValidationError('invalid cursor', [{ field: 'cursor', message: 'is not a cursor this API returned' }])
  }
}

const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v)
/** A bare date is that day in UTC; as an upper bound it includes the whole day. */
const lowerBound = (from: string) => (isDate(from) ? `${from}T00:00:00Z` : from)
const upperBound = (to: string) => (isDate(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : to)

/** WHERE clause and values of the filters every list and count shares; always scoped by tenant. */
function filters(tenantId: string, q: JobCountsQuery & { status?: string[] | undefined }) {
  const values: unknown[] = [tenantId]
  const where = ['tenant_id = $1']
  const add = (value: unknown) => `$${values.push(value)}`
  if (q.status) where.push(`status = ANY(${add(q.status)}::text[])`)
  if (q.ticker) where.push(`ticker = ${add(q.ticker)}`)
  if (q.strategy) where.push(`strategy_type = ${add(q.strategy)}`)
  if (q.created_from) where.push(`created_at >= ${add(lowerBound(q.created_from))}::timestamptz`)
  if (q.created_to) where.push(`created_at < ${add(upperBound(q.created_to))}::timestamptz`)
  if (q.q) {
    const like = add(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    const prefix = add(`${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    where.push(`(ticker ILIKE ${like} OR id::text LIKE ${prefix})`)
  }
  return { where, values, add }
}

/** A page of a tenant's jobs, newest first, filtered; pass `next_cursor` back for the next page. */
export async function listJobs(db: Queryable, tenantId: string, input: JobsQueryInput = {}): Promise<JobsPage> {
  const q = JobsQuery.parse(input)
  const { where, values, add } = filters(tenantId, q)
  if (q.cursor) {
    const [us, id] = decodeCursor(q.cursor)
    where.push(`(created_at, id) < (timestamptz 'epoch' + ${add(us)}::bigint * interval '1 microsecond', ${add(id)}::uuid)`)
  }
  const r = await db.query(
    `SELECT ${SUMMARY_COLUMNS} FROM pipeline_jobs WHERE ${where.join(' AND ')}
     ORDER BY created_at DESC, id DESC LIMIT ${add(q.limit + 1)}`,
    values,
  )
  const rows = r.rows.slice(0, q.limit)
  const last = rows.at(-1) as { created_us: string; id: string } | undefined
  return {
    jobs: rows.map(toSummary),
    next_cursor: r.rows.length > q.limit && last ? encodeCursor(last.created_us, last.id) : null,
    limit: q.limit,
  }
}

/** How many of a tenant's jobs are in each status (with the list's filters). */
export async function countJobs(db: Queryable, tenantId: string, input: z.input<typeof JobCountsQuery> = {}): Promise<JobCounts> {
  const q = JobCountsQuery.parse(input)
  const { where, values } = filters(tenantId, q)
  const r = await db.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM pipeline_jobs WHERE ${where.join(' AND ')} GROUP BY status`,
    values,
  )
  return statusCounts(r.rows)
}

/**
 * The tenant's jobs whose read model changed after `since` (a checkpoint from a change notice), in
 * the order they changed. A client that missed notices (SSE reconnect) catches up with it.
 */
export async function jobsChangedSince(db: Queryable, tenantId: string, since: number, limit = 500): Promise<JobChanges> {
  const n = z.number().int().min(1).max(5000).parse(limit)
  const from = z.number().int().min(0).parse(since)
  const r = await db.query(
    `SELECT ${SUMMARY_COLUMNS} FROM pipeline_jobs WHERE tenant_id = $1 AND last_seq > $2 ORDER BY last_seq LIMIT $3`,
    [tenantId, from, n + 1],
  )
  const jobs = r.rows.slice(0, n).map(toSummary)
  return { since: from, checkpoint: jobs.at(-1)?.last_seq ?? from, jobs, more: r.rows.length > n }
}
