import { describe, expect, it } from 'vitest'
import type { JobChanges, JobSummary } from '@zixly/contracts'
import { createLogger } from '@zixly/platform'
import type { ChangeNotice } from '../src/lib/server/changes.ts'
import { ChangesUnsupported, IngestError } from '../src/lib/server/errors.ts'
import { parseLastEventId, sseFrame, startJobStream, type StreamEvent } from '../src/lib/server/stream.ts'

const logger = createLogger('test', 'silent')
const summary = (id: string, seq: number) => ({ job_id: id, last_seq: seq }) as unknown as JobSummary

/** A fake read model: jobs with their last_seq; `changes(since)` answers like ingest does, `limit` per page. */
function fakeReadModel(limit = 500) {
  const jobs = new Map<string, number>()
  const calls: number[] = []
  return {
    jobs,
    calls,
    changes: async (since: number): Promise<JobChanges> => {
      calls.push(since)
      const all = [...jobs].filter(([, s]) => s > since).sort((a, b) => a[1] - b[1])
      const page = all.slice(0, limit).map(([id, s]) => summary(id, s))
      return { since, checkpoint: page.at(-1)?.last_seq ?? since, jobs: page, more: all.length > limit }
    },
  }
}

function harness(rm: ReturnType<typeof fakeReadModel>, latest?: number) {
  const sent: StreamEvent[] = []
  let listener: ((n: ChangeNotice) => void) | undefined
  let ended = false
  const deps = {
    changes: rm.changes,
    summaries: async (list: readonly string[]) => list.filter((id) => rm.jobs.has(id)).map((id) => summary(id, rm.jobs.get(id)!)),
    subscribe: async (l: (n: ChangeNotice) => void) => {
      listener = l
      return () => (listener = undefined)
    },
    latest: () => latest,
    send: (e: StreamEvent) => void sent.push(e),
    end: () => void (ended = true),
    logger,
    retryDelayMs: 10,
  }
  const notify = (checkpoint: number, jobIds: string[] = []) => listener?.({ tenant_id: 't', job_ids: jobIds, checkpoint })
  return { deps, sent, notify, ended: () => ended, listening: () => listener !== undefined }
}

const settle = () => new Promise((r) => setTimeout(r, 20))
const ids = (sent: StreamEvent[]) => sent.filter((e) => e.event === 'jobs').flatMap((e) => (e.data as { jobs: JobSummary[] }).jobs.map((j) => j.job_id))

describe('the job stream of one tab', () => {
  it('resumes from Last-Event-ID with every job changed since, then follows notices, ids being checkpoints', async () => {
    const rm = fakeReadModel()
    rm.jobs.set('a', 5).set('b', 8)
    const h = harness(rm)
    await startJobStream(h.deps, 6)
    await settle()
    expect(h.sent[0]).toMatchObject({ event: 'hello', id: 6, data: { resumed: true } })
    expect(ids(h.sent)).toEqual(['b'])
    expect(h.sent.at(-1)!.id).toBe(8)
    rm.jobs.set('a', 12)
    h.notify(12)
    await settle()
    expect(ids(h.sent)).toEqual(['b', 'a'])
    expect(h.sent.at(-1)!.id).toBe(12)
  })

  it('pages through a long catch-up without gaps', async () => {
    const rm = fakeReadModel(2)
    for (let i = 1; i <= 5; i++) rm.jobs.set(`j${i}`, i * 10)
    const h = harness(rm)
    await startJobStream(h.deps, 0)
    await settle()
    expect(ids(h.sent)).toEqual(['j1', 'j2', 'j3', 'j4', 'j5'])
    expect(rm.calls).toEqual([0, 20, 40])
  })

  it('asks a fresh tab to reload its snapshot, and reads from the first notice on when no checkpoint is known', async () => {
    const rm = fakeReadModel()
    const h = harness(rm)
    await startJobStream(h.deps, null)
    expect(h.sent[0]).toMatchObject({ event: 'hello', data: { resumed: false, checkpoint: null } })
    rm.jobs.set('a', 3)
    h.notify(3)
    await settle()
    expect(h.sent[1]).toMatchObject({ event: 'reload', id: 3 })
    rm.jobs.set('b', 4)
    h.notify(4)
    await settle()
    expect(ids(h.sent)).toEqual(['b'])
  })

  it('sends a fresh tab the jobs of the first notices by id when no checkpoint is known, then reads changes since', async () => {
    const rm = fakeReadModel()
    const h = harness(rm)
    await startJobStream(h.deps, null)
    rm.jobs.set('a', 3)
    h.notify(3, ['a'])
    await settle()
    expect(h.sent[1]).toMatchObject({ event: 'jobs', id: 3 })
    rm.jobs.set('b', 4).set('a', 5)
    h.notify(5, ['a', 'b'])
    await settle()
    expect(ids(h.sent)).toEqual(['a', 'b', 'a'])
    expect(rm.calls).toEqual([3])
    expect(h.sent.some((e) => e.event === 'reload')).toBe(false)
  })

  it('asks a fresh tab to reload when the first notice names more jobs than are worth reading one by one', async () => {
    const rm = fakeReadModel()
    const h = harness(rm)
    await startJobStream(h.deps, null)
    const many = Array.from({ length: 51 }, (_, i) => `j${i}`)
    for (const id of many) rm.jobs.set(id, 7)
    h.notify(7, many)
    await settle()
    expect(h.sent[1]).toMatchObject({ event: 'reload', id: 7 })
    expect(ids(h.sent)).toEqual([])
  })

  it('starts a fresh tab at the newest checkpoint the server knows', async () => {
    const rm = fakeReadModel()
    rm.jobs.set('old', 3)
    const h = harness(rm, 7)
    await startJobStream(h.deps, null)
    rm.jobs.set('new', 9)
    h.notify(9)
    await settle()
    expect(ids(h.sent)).toEqual(['new'])
  })

  it('coalesces a burst of notices into few reads', async () => {
    const rm = fakeReadModel()
    const h = harness(rm, 0)
    await startJobStream(h.deps, null)
    for (let i = 1; i <= 50; i++) {
      rm.jobs.set(`j${i}`, i)
      h.notify(i)
    }
    await settle()
    expect(new Set(ids(h.sent)).size).toBe(50)
    expect(rm.calls.length).toBeLessThan(5)
  })

  it('retries when ingest does not answer, and ends the stream when the session is gone', async () => {
    const rm = fakeReadModel()
    rm.jobs.set('a', 2)
    let failures = 1
    const h = harness({ ...rm, changes: async (s) => (failures-- > 0 ? Promise.reject(new Error('ECONNREFUSED')) : rm.changes(s)) })
    await startJobStream(h.deps, 1)
    await new Promise((r) => setTimeout(r, 60))
    expect(ids(h.sent)).toEqual(['a'])

    const gone = harness({ ...rm, changes: async () => Promise.reject(new IngestError(401, 'UNAUTHORIZED', 'no session')) })
    await startJobStream(gone.deps, 1)
    await settle()
    expect(gone.sent.at(-1)!.event).toBe('unauthorized')
    expect(gone.ended()).toBe(true)
    expect(gone.listening()).toBe(false)
  })

  it('follows notices by job id when ingest has no "changed since" query, and asks a resumed tab to reload', async () => {
    const rm = fakeReadModel()
    rm.jobs.set('a', 5)
    const unsupported = { ...rm, changes: async () => Promise.reject(new ChangesUnsupported()) }
    const h = harness(unsupported)
    await startJobStream(h.deps, 3)
    await settle()
    expect(h.sent[1]).toMatchObject({ event: 'reload', id: 3 })
    rm.jobs.set('b', 9)
    h.notify(9, ['b'])
    await settle()
    expect(ids(h.sent)).toEqual(['b'])
    expect(h.sent.at(-1)!.id).toBe(9)
  })

  it('writes the SSE wire format and accepts only numeric Last-Event-IDs', () => {
    expect(sseFrame({ event: 'jobs', id: 7, data: { a: 1 } })).toBe('id: 7\nevent: jobs\ndata: {"a":1}\n\n')
    expect(parseLastEventId('42')).toBe(42)
    expect(parseLastEventId('x1')).toBeNull()
    expect(parseLastEventId(null)).toBeNull()
  })
})
