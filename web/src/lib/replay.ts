// Time travel: what a job looked like after each of its events, folded from its timeline. Pure, so the
// page can step back and forth without asking the server again.
import type { TimelineEntry } from '@zixly/contracts'

export interface ReplayState {
  step: number
  seq: number
  time: string
  type: string
  status: 'QUEUED' | 'RUNNING' | 'RETRYING' | 'COMPLETED' | 'FAILED' | 'CANCELLED'
  attempt: number
  progress: { done: number; total: number } | null
  results_recorded: number
  best: { fast_period: number; slow_period: number; score: number } | null
  errors: Array<{ attempt: number; code: string; message: string }>
  note: string
}

type Data = Record<string, unknown>
const n = (v: unknown, d = 0) => (typeof v === 'number' ? v : d)

/** The state after every event, in log order (index i = after event i). */
export function replay(events: readonly TimelineEntry[]): ReplayState[] {
  const out: ReplayState[] = []
  let s: Omit<ReplayState, 'step' | 'seq' | 'time' | 'type' | 'note'> = {
    status: 'QUEUED',
    attempt: 0,
    progress: null,
    results_recorded: 0,
    best: null,
    errors: [],
  }
  events.forEach((e, i) => {
    const d = (e.data ?? {}) as Data
    const attempt = e.attempt ?? n(d.attempt, s.attempt)
    switch (e.type) {
      case 'SweepRequested':
        s = { ...s, status: 'QUEUED' }
        break
      case 'SweepDispatched':
        s = { ...s, status: s.status === 'RETRYING' || s.status === 'FAILED' || s.status === 'CANCELLED' ? 'QUEUED' : s.status, attempt, progress: null }
        break
      case 'SweepStarted':
        s = { ...s, status: 'RUNNING', attempt, progress: { done: 0, total: n(d.combinations) }, results_recorded: 0 }
        break
      case 'SweepProgressed':
        s = { ...s, progress: { done: n(d.done), total: n(d.total) } }
        break
      case 'SweepResultsRecorded':
        s = { ...s, results_recorded: s.results_recorded + (Array.isArray(d.rows) ? d.rows.length : 0) }
        break
      case 'SweepCompleted': {
        const b = d.best as Data | null | undefined
        s = {
          ...s,
          status: 'COMPLETED',
          progress: s.progress ? { done: s.progress.total, total: s.progress.total } : null,
          best: b ? { fast_period: n(b.fast_period), slow_period: n(b.slow_period), score: n(b.score) } : null,
        }
        break
      }
      case 'SweepAttemptFailed': {
        const err = (d.error ?? {}) as Data
        s = { ...s, status: 'RETRYING', errors: [...s.errors, { attempt, code: String(err.code ?? ''), message: String(err.message ?? '') }] }
        break
      }
      case 'SweepFailed':
        s = { ...s, status: 'FAILED' }
        break
      case 'SweepCancelled':
        s = { ...s, status: 'CANCELLED' }
        break
      default:
        break
    }
    out.push({ ...s, step: i + 1, seq: e.seq, time: e.time, type: e.type, note: e.summary })
  })
  return out
}
