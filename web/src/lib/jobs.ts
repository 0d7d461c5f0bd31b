// Pure helpers of the live job list: which jobs a filter shows, and how a live update merges into what
// the page loaded. No I/O: the page and the unit tests share them.
import type { JobStatus, JobSummary, StrategyType } from '@zixly/contracts'

export const STATUSES: readonly JobStatus[] = ['QUEUED', 'RUNNING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED']
export const ACTIVE: ReadonlySet<JobStatus> = new Set(['QUEUED', 'RUNNING', 'RETRYING'])
export const CANCELLABLE: ReadonlySet<JobStatus> = ACTIVE
export const RETRYABLE: ReadonlySet<JobStatus> = new Set(['FAILED', 'CANCELLED'])

/** The list's filters as the URL carries them. */
export interface JobFilters {
  status?: JobStatus[]
  ticker?: string
  strategy?: StrategyType
  created_from?: string
  created_to?: string
  q?: string
}

export function filtersFromUrl(p: URLSearchParams): JobFilters {
  const f: JobFilters = {}
  const status = (p.get('status') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is JobStatus => (STATUSES as readonly string[]).includes(s))
  if (status.length > 0) f.status = status
  for (const k of ['ticker', 'created_from', 'created_to', 'q'] as const) {
    const v = p.get(k)?.trim()
    if (v) f[k] = v
  }
  const strategy = p.get('strategy')?.trim().toUpperCase()
  if (strategy === 'SMA' || strategy === 'EMA' || strategy === 'MACD') f.strategy = strategy
  return f
}

const dayEnd = (to: string) => (/^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to)

/** Whether a job belongs in a list with these filters (the same rules as ingest's query). */
export function matches(job: JobSummary, f: JobFilters): boolean {
  if (f.status && !f.status.includes(job.status)) return false
  if (f.ticker && job.ticker !== f.ticker) return false
  if (f.strategy && job.strategy_type !== f.strategy) return false
  if (f.created_from && Date.parse(job.created_at) < Date.parse(f.created_from)) return false
  if (f.created_to && Date.parse(job.created_at) > Date.parse(dayEnd(f.created_to))) return false
  if (f.q) {
    const q = f.q.toLowerCase()
    if (!job.ticker.toLowerCase().includes(q) && !job.job_id.startsWith(q)) return false
  }
  return true
}

/** The newer of two versions of a job (a higher `last_seq` saw more of its events). */
export const newer = (a: JobSummary, b: JobSummary): JobSummary => (b.last_seq > a.last_seq ? b : a)

const byCreatedDesc = (a: JobSummary, b: JobSummary) =>
  a.created_at === b.created_at ? (a.job_id < b.job_id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1

/**
 * The rows to show: the loaded page with live updates applied. Each job appears once (keyed by id),
 * in its newest version. On the first page, jobs that arrived live and match the filters are added in
 * creation order; on later pages only the rows already there are updated. A job that no longer
 * matches the filter (e.g. it left the RUNNING status) is dropped.
 */
export function mergeJobs(
  loaded: readonly JobSummary[],
  live: ReadonlyMap<string, JobSummary>,
  f: JobFilters,
  page: { first: boolean; full: boolean },
): JobSummary[] {
  const out = new Map<string, JobSummary>()
  for (const j of loaded) {
    const l = live.get(j.job_id)
    out.set(j.job_id, l ? newer(j, l) : j)
  }
  if (page.first) {
    const oldest = loaded.at(-1)
    for (const [id, j] of live) {
      if (out.has(id)) continue
      // A first page that is full ends at its oldest row: older jobs belong to the next page.
      if (oldest && page.full && byCreatedDesc(j, oldest) > 0) continue
      out.set(id, j)
    }
  }
  return [...out.values()].filter((j) => matches(j, f)).sort(byCreatedDesc)
}
