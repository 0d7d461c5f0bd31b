import {
  AuthMe,
  JobChanges,
  JobCounts,
  JobDetail,
  JobsPage,
  JobView,
  Problem,
  ResultsPage,
  SweepAccepted,
  TenantStats,
  Timeline,
  type JobCountsQuery,
  type JobsQueryInput,
  type ResultsQuery,
} from '@zixly/contracts'
import type { z } from 'zod'
import { ChangesUnsupported, IngestError, IngestUnavailable } from './errors.ts'

export const SESSION_COOKIE = 'zixly_session'

export interface IngestDeps {
  baseUrl: string
  timeoutMs: number
  fetch?: typeof fetch
}

type Query = Record<string, string | number | readonly string[] | undefined>

function search(q: Query | undefined): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === '') continue
    if (Array.isArray(v)) {
      if (v.length > 0) p.set(k, v.join(','))
    } else p.set(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

/**
 * The dashboard's only way to data: ingest's HTTP API, called with the user's session cookie so ingest
 * authenticates, authorizes and scopes every call to the user's tenant. Every answer is parsed with the
 * contracts' schema; a problem+json answer becomes an `IngestError` with its status and field errors.
 */
export function makeIngest(deps: IngestDeps) {
  const doFetch = deps.fetch ?? fetch

  async function raw(
    session: string | null,
    method: string,
    path: string,
    opts: { query?: Query; body?: unknown; accept?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...opts.headers, accept: opts.accept ?? 'application/json' }
    if (session) headers.cookie = `${SESSION_COOKIE}=${session}`
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    try {
      return await doFetch(`${deps.baseUrl}${path}${search(opts.query)}`, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.timeout(deps.timeoutMs),
        redirect: 'manual',
      })
    } catch (err) {
      throw new IngestUnavailable(err)
    }
  }

  async function failure(res: Response): Promise<IngestError> {
    const text = await res.text().catch(() => '')
    let body: unknown = null
    try {
      body = JSON.parse(text)
    } catch {
      /* not JSON: keep the status only */
    }
    const p = Problem.safeParse(body)
    if (p.success) return new IngestError(res.status, p.data.code, p.data.detail ?? p.data.title, p.data.errors ?? [])
    return new IngestError(res.status, res.status === 404 ? 'NOT_FOUND' : 'INGEST_ERROR', `ingest answered ${res.status}`)
  }

  async function json<S extends z.ZodType>(schema: S, res: Response): Promise<z.infer<S>> {
    if (!res.ok) throw await failure(res)
    return schema.parse(await res.json())
  }

  return (session: string | null) => ({
    /** The signed-in user, or null when the session is missing or expired. */
    async me() {
      if (!session) return null
      const res = await raw(session, 'GET', '/api/auth/me')
      if (res.status === 401) return null
      return (await json(AuthMe, res)).user
    },
    /**
     * Logs in; gives the user and ingest's Set-Cookie line, which the dashboard re-sets for its origin.
     * The person's address goes along as X-Forwarded-For, so ingest's login limit per address (when it
     * trusts this server: TRUST_PROXY) counts each person rather than the dashboard.
     */
    async login(email: string, password: string, clientAddress?: string) {
      const res = await raw(null, 'POST', '/api/auth/login', {
        body: { email, password },
        ...(clientAddress ? { headers: { 'x-forwarded-for': clientAddress } } : {}),
      })
      const answer = await json(AuthMe, res)
      return { user: answer.user, setCookie: res.headers.getSetCookie() }
    },
    async logout() {
      if (!session) return
      const res = await raw(session, 'POST', '/api/auth/logout', { body: {} })
      if (!res.ok && res.status !== 401) throw await failure(res)
    },

    jobs: async (q: JobsQueryInput) => json(JobsPage, await raw(session, 'GET', '/api/jobs', { query: q as Query })),
    counts: async (q: Partial<JobCountsQuery>) => json(JobCounts, await raw(session, 'GET', '/api/jobs/counts', { query: q as Query })),
    /**
     * The tenant's jobs changed after a checkpoint (`GET /api/jobs/changes?since=`), oldest change
     * first. An ingest without that route answers 404: `ChangesUnsupported`, and the stream falls back.
     */
    async changes(since: number, limit = 500) {
      const res = await raw(session, 'GET', '/api/jobs/changes', { query: { since, limit } })
      if (res.status === 404) throw new ChangesUnsupported()
      return json(JobChanges, res)
    },
    /** Summaries of given jobs (the list's search matches a whole job id); missing ones are left out. */
    async summaries(ids: readonly string[]) {
      const pages = await Promise.all(
        ids.map(async (id) => json(JobsPage, await raw(session, 'GET', '/api/jobs', { query: { q: id, limit: 1 } }))),
      )
      return pages.flatMap((p, i) => p.jobs.filter((j) => j.job_id === ids[i]))
    },
    /** A job, or `{ projected: false }` while ingest has it in the log but the read model does not yet. */
    async job(id: string): Promise<{ projected: true; job: JobDetail | JobView } | { projected: false }> {
      const res = await raw(session, 'GET', `/webhook/jobs/${encodeURIComponent(id)}`)
      if (res.status === 202) return { projected: false }
      if (!res.ok) throw await failure(res)
      const body: unknown = await res.json()
      const detail = JobDetail.safeParse(body)
      return { projected: true, job: detail.success ? detail.data : JobView.parse(body) }
    },
    timeline: async (id: string) => json(Timeline, await raw(session, 'GET', `/api/jobs/${encodeURIComponent(id)}/timeline`)),
    results: async (id: string, q: Partial<ResultsQuery>) =>
      json(ResultsPage, await raw(session, 'GET', `/webhook/jobs/${encodeURIComponent(id)}/results`, { query: q as Query })),
    /** The CSV export as ingest streams it (the body is passed through, never loaded whole). */
    async resultsCsv(id: string, q: Query) {
      const res = await raw(session, 'GET', `/webhook/jobs/${encodeURIComponent(id)}/results.csv`, { query: q, accept: 'text/csv' })
      if (!res.ok) throw await failure(res)
      return res
    },
    trigger: async (body: unknown) => json(SweepAccepted, await raw(session, 'POST', '/webhook/trading-sweep', { body })),
    stats: async () => json(TenantStats, await raw(session, 'GET', '/api/stats')),

    /** Control calls answer with a small JSON body whose shape the dashboard only shows. */
    async control(path: string, body: unknown = {}): Promise<unknown> {
      const res = await raw(session, 'POST', path, { body })
      if (!res.ok) throw await failure(res)
      return res.status === 204 ? null : ((await res.json()) as unknown)
    },
    async get(path: string, query?: Query): Promise<unknown> {
      const res = await raw(session, 'GET', path, query ? { query } : {})
      if (!res.ok) throw await failure(res)
      return (await res.json()) as unknown
    },
    /** Whether ingest answers its health route (the dashboard's readiness). */
    async healthy() {
      const res = await raw(null, 'GET', '/health')
      return res.ok
    },
  })
}

export type IngestClient = ReturnType<ReturnType<typeof makeIngest>>
