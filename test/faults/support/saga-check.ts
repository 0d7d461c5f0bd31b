import type { SweepEvent } from '@zixly/contracts'

// What the saga says a job's history may hold, checked event by event: each event must be one the
// saga allows in the state the job is in, so a duplicated, missing or out-of-order event (a second
// completion, results after a cancel, a dispatch without a free attempt, …) is named as a problem.
// The summary says what the history amounts to, for the per-case expectations.

export interface SagaSummary {
  status: 'QUEUED' | 'RUNNING' | 'RETRYING' | 'COMPLETED' | 'FAILED' | 'CANCELLED'
  /** Attempts dispatched, over every chain. */
  attempts: number
  /** Starts per attempt (more than one: redelivered after an executor died or handed it back). */
  starts: Map<number, number>
  /** Result rows recorded by the delivery that completed the job, and how many distinct pairs. */
  resultRows: number
  distinctPairs: number
  /** Result chunks the completion announced, and how many that delivery recorded. */
  chunksAnnounced: number | null
  chunksRecorded: number
  problems: string[]
}

const delivery = (id: string) => id.split(':')[3] ?? '?'

export function checkSaga(events: readonly SweepEvent[]): SagaSummary {
  const problems: string[] = []
  let state:
    | 'none'
    | 'queued'
    | 'dispatched'
    | 'running'
    | 'failing'
    | 'waiting'
    | 'completed'
    | 'failed'
    | 'cancelled' = 'none'
  let attempt = 0
  const starts = new Map<number, number>()
  const chunks = new Map<string, Array<{ chunk: number; pairs: string[] }>>()
  let completedBy: string | null = null
  let chunksAnnounced: number | null = null
  const bad = (i: number, e: SweepEvent) =>
    problems.push(
      `#${i} ${e.type}${'attempt' in e.data ? `(${String(e.data.attempt)})` : ''} in state ${state}`,
    )
  const ofAttempt = (e: SweepEvent) => 'attempt' in e.data && e.data.attempt === attempt

  events.forEach((e, i) => {
    switch (e.type) {
      case 'SweepRequested':
        if (state !== 'none') bad(i, e)
        state = 'queued'
        break
      case 'SweepDispatched':
        if ((state !== 'queued' && state !== 'waiting') || e.data.attempt !== attempt + 1) bad(i, e)
        attempt = e.data.attempt
        state = 'dispatched'
        break
      case 'SweepStarted':
        if ((state !== 'dispatched' && state !== 'running') || !ofAttempt(e)) bad(i, e)
        starts.set(e.data.attempt, (starts.get(e.data.attempt) ?? 0) + 1)
        state = 'running'
        break
      case 'SweepProgressed':
        if (state !== 'running' || !ofAttempt(e)) bad(i, e)
        break
      case 'SweepResultsRecorded': {
        if (state !== 'running' || !ofAttempt(e)) bad(i, e)
        const key = `${e.data.attempt}:${delivery(e.id)}`
        chunks.set(key, [
          ...(chunks.get(key) ?? []),
          { chunk: e.data.chunk, pairs: e.data.rows.map((r) => `${r.fast_period}/${r.slow_period}`) },
        ])
        break
      }
      case 'SweepCompleted':
        if (state !== 'running' || !ofAttempt(e)) bad(i, e)
        completedBy = `${e.data.attempt}:${delivery(e.id)}`
        chunksAnnounced = e.data.result_chunks
        state = 'completed'
        break
      case 'SweepAttemptFailed':
      case 'SweepCommandDeadLettered':
        if ((state !== 'dispatched' && state !== 'running') || !ofAttempt(e)) bad(i, e)
        state = 'failing'
        break
      case 'SweepRetryScheduled':
        if (state !== 'failing' || e.data.attempt !== attempt + 1) bad(i, e)
        state = 'waiting'
        break
      case 'SweepFailed':
        if (state !== 'failing' && state !== 'waiting') bad(i, e)
        state = 'failed'
        break
      case 'SweepCancelled':
        if (state === 'none' || state === 'completed' || state === 'failed' || state === 'cancelled')
          bad(i, e)
        state = 'cancelled'
        break
      case 'SweepRetried':
        if (state !== 'failed' && state !== 'cancelled') bad(i, e)
        state = 'queued'
        break
    }
  })

  const recorded = completedBy === null ? [] : (chunks.get(completedBy) ?? [])
  const pairs = recorded.flatMap((c) => c.pairs)
  const statusOf = {
    none: 'QUEUED',
    queued: 'QUEUED',
    dispatched: 'QUEUED',
    running: 'RUNNING',
    failing: 'RETRYING',
    waiting: 'RETRYING',
    completed: 'COMPLETED',
    failed: 'FAILED',
    cancelled: 'CANCELLED',
  } as const
  if (completedBy !== null && new Set(recorded.map((c) => c.chunk)).size !== recorded.length)
    problems.push('a result chunk was recorded twice')
  return {
    status: statusOf[state],
    attempts: attempt,
    starts,
    resultRows: pairs.length,
    distinctPairs: new Set(pairs).size,
    chunksAnnounced,
    chunksRecorded: recorded.length,
    problems,
  }
}
