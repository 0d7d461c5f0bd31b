import type { JobChanges, JobSummary } from '@zixly/contracts'
import { describe, type Logger } from '@zixly/platform'
import type { ChangeNotice } from './changes.ts'
import { ChangesUnsupported, IngestError } from './errors.ts'

/** One server-sent event. `id` is a projector checkpoint: the browser sends it back as Last-Event-ID. */
export interface StreamEvent {
  event: 'hello' | 'jobs' | 'reload' | 'checkpoint' | 'unauthorized'
  id?: number
  data: unknown
}

export interface JobStreamDeps {
  /** The tenant's jobs changed after a checkpoint, through ingest with the user's session. */
  changes(since: number): Promise<JobChanges>
  /** Summaries of given jobs (used when ingest has no "changed since" query). */
  summaries(ids: readonly string[]): Promise<JobSummary[]>
  /** Listens to the user's tenant's change notices; resolves once listening. */
  subscribe(listener: (n: ChangeNotice) => void): Promise<() => void>
  /** The newest checkpoint this server has seen for the tenant, if any. */
  latest(): number | undefined
  send(e: StreamEvent): void
  /** Ends the HTTP response (session gone). */
  end(): void
  logger: Logger
  retryDelayMs?: number
}

/** Above this many jobs named before any checkpoint is known, a fresh tab reloads instead of reading each. */
const MAX_READ_BY_ID = 50

/** Formats one event in the SSE wire format. */
export function sseFrame(e: StreamEvent): string {
  return `${e.id === undefined ? '' : `id: ${e.id}\n`}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`
}

/** Last-Event-ID as a checkpoint, or null when absent or not a checkpoint this stream wrote. */
export function parseLastEventId(v: string | null | undefined): number | null {
  if (v === null || v === undefined || !/^\d{1,15}$/.test(v.trim())) return null
  return Number(v.trim())
}

/**
 * One browser tab's stream of job changes. Notices only wake it up: what it sends is always read from
 * the read model ("jobs changed since my cursor", through ingest), so bursts coalesce into one read,
 * a notice lost in flight costs nothing, and a reconnect with Last-Event-ID resumes from exactly where
 * the tab was: no gap, and since the browser keys rows by job id, no duplicate.
 *
 * A fresh connection (no Last-Event-ID) starts at the newest checkpoint the server knows and says
 * `hello`; the page then reloads its snapshot, which covers whatever happened before. When the server
 * knows no checkpoint yet (no notice for this tenant since it started), the first notices' jobs are
 * read by id, since they are exactly what changed after the stream began listening.
 */
export async function startJobStream(deps: JobStreamDeps, lastEventId: number | null) {
  let cursor: number | null = lastEventId ?? deps.latest() ?? null
  let wanted: number | null = null
  // Job ids named by notices not yet served: what is read by id before any checkpoint is known, and
  // what the fallback reads when ingest cannot answer "changed since" (it then resumes a reconnect by
  // asking the page to reload instead).
  let named = new Set<string>()
  let byIds = false
  let running = false
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined

  const want = (checkpoint: number, ids: readonly string[] = []) => {
    wanted = Math.max(wanted ?? 0, checkpoint)
    for (const id of ids) named.add(id)
    void pump()
  }

  async function catchUpByIds(target: number, resuming: boolean) {
    const ids = [...named]
    named = new Set()
    if (resuming || ids.length === 0) {
      cursor = Math.max(cursor ?? 0, target)
      deps.send({ event: resuming ? 'reload' : 'checkpoint', id: cursor, data: { checkpoint: cursor } })
      return
    }
    let jobs: JobSummary[]
    try {
      jobs = await deps.summaries(ids)
    } catch (err) {
      for (const id of ids) named.add(id)
      throw err
    }
    if (closed) return
    cursor = Math.max(cursor ?? 0, target)
    deps.send({ event: 'jobs', id: cursor, data: { jobs } })
  }

  async function catchUp(target: number) {
    if (byIds) return catchUpByIds(target, false)
    if (cursor === null) {
      if (named.size > 0 && named.size <= MAX_READ_BY_ID) return catchUpByIds(target, false)
      // Too many to read one by one: move to the notice and have the page reload its snapshot.
      named = new Set()
      cursor = target
      deps.send({ event: 'reload', id: cursor, data: { checkpoint: cursor } })
      return
    }
    // The ids are needed only if ingest turns out not to have the "changed since" query.
    const ids = named
    named = new Set()
    for (;;) {
      let r: JobChanges
      try {
        r = await deps.changes(cursor)
      } catch (err) {
        for (const id of ids) named.add(id)
        if (!(err instanceof ChangesUnsupported)) throw err
        deps.logger.warn('ingest has no "changed since" query; following notices by job id')
        byIds = true
        return catchUpByIds(target, cursor === lastEventId)
      }
      if (closed) return
      const last = !r.more
      const next = last ? Math.max(r.checkpoint, target) : r.checkpoint
      if (r.jobs.length > 0) deps.send({ event: 'jobs', id: next, data: { jobs: r.jobs } })
      else if (next > cursor) deps.send({ event: 'checkpoint', id: next, data: { checkpoint: next } })
      cursor = next
      if (last) return
    }
  }

  async function pump(): Promise<void> {
    if (running || closed) return
    running = true
    try {
      while (wanted !== null && !closed) {
        const target = wanted
        wanted = null
        try {
          await catchUp(target)
        } catch (err) {
          if (err instanceof IngestError && (err.status === 401 || err.status === 403)) {
            deps.send({ event: 'unauthorized', data: { code: err.code } })
            stop()
            deps.end()
            return
          }
          // Ingest restarting or busy: try again shortly; the cursor has not moved past anything unsent.
          deps.logger.warn({ err: describe(err) }, 'reading job changes failed; retrying')
          clearTimeout(timer)
          timer = setTimeout(() => want(target), deps.retryDelayMs ?? 1000)
          return
        }
      }
    } finally {
      running = false
    }
  }

  const unsubscribe = await deps.subscribe((n) => want(n.checkpoint, n.job_ids))
  function stop() {
    if (closed) return
    closed = true
    clearTimeout(timer)
    unsubscribe()
  }

  deps.send({ event: 'hello', ...(cursor === null ? {} : { id: cursor }), data: { resumed: lastEventId !== null, checkpoint: cursor } })
  if (lastEventId !== null) want(lastEventId)
  return { stop, get cursor() { return cursor } }
}
