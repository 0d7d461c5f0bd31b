import { describe, expect, it } from 'vitest'
import type { JobSummary } from '@zixly/contracts'
import { filtersFromUrl, matches, mergeJobs } from '../src/lib/jobs.ts'

const job = (id: string, over: Partial<JobSummary> = {}): JobSummary => ({
  job_id: `00000000-0000-4000-8000-${id.padStart(12, '0')}`,
  status: 'QUEUED',
  ticker: 'BTC-USD',
  strategy_type: 'SMA',
  priority: 5,
  attempts: 0,
  max_attempts: 3,
  progress: { done: 0, total: 8, pct: 0 },
  total_combinations: 8,
  best_score: null,
  error: null,
  created_at: `2026-01-01T00:00:${id.padStart(2, '0')}.000Z`,
  started_at: null,
  completed_at: null,
  updated_at: '2026-01-01T00:01:00.000Z',
  duration_ms: null,
  last_seq: 1,
  ...over,
})

describe('the live job list', () => {
  it('shows each job once, in its newest version, when a live update arrives for a loaded row', () => {
    const a = job('1', { last_seq: 3 })
    const live = new Map([[a.job_id, { ...a, status: 'COMPLETED' as const, last_seq: 9 }]])
    const rows = mergeJobs([a], live, {}, { first: true, full: false })
    expect(rows).toHaveLength(1)
    expect(rows[0]!.status).toBe('COMPLETED')
  })

  it('keeps the loaded version when the live one is older (a late or repeated event changes nothing)', () => {
    const a = job('1', { status: 'COMPLETED', last_seq: 9 })
    const rows = mergeJobs([a], new Map([[a.job_id, { ...a, status: 'RUNNING' as const, last_seq: 5 }]]), {}, { first: true, full: false })
    expect(rows[0]!.status).toBe('COMPLETED')
  })

  it('adds new jobs on the first page, newest first, and only when they match the filters', () => {
    const old = job('1')
    const fresh = job('5', { ticker: 'ETH-USD' })
    const other = job('6', { ticker: 'SPY' })
    const live = new Map([fresh, other].map((j) => [j.job_id, j]))
    expect(mergeJobs([old], live, {}, { first: true, full: false }).map((j) => j.ticker)).toEqual(['SPY', 'ETH-USD', 'BTC-USD'])
    expect(mergeJobs([old], live, { q: 'usd' }, { first: true, full: false }).map((j) => j.ticker)).toEqual(['ETH-USD', 'BTC-USD'])
  })

  it('never adds jobs to a later page, and never adds a job older than a full first page', () => {
    const loaded = [job('30'), job('20')]
    const older = job('10')
    expect(mergeJobs(loaded, new Map([[older.job_id, older]]), {}, { first: false, full: true })).toHaveLength(2)
    expect(mergeJobs(loaded, new Map([[older.job_id, older]]), {}, { first: true, full: true })).toHaveLength(2)
    expect(mergeJobs(loaded, new Map([[older.job_id, older]]), {}, { first: true, full: false })).toHaveLength(3)
  })

  it('drops a row that left the filtered status', () => {
    const a = job('1', { status: 'RUNNING', last_seq: 2 })
    const live = new Map([[a.job_id, { ...a, status: 'COMPLETED' as const, last_seq: 4 }]])
    expect(mergeJobs([a], live, { status: ['RUNNING'] }, { first: true, full: false })).toEqual([])
  })

  it('reads filters from the URL, ignoring unknown statuses and strategies', () => {
    const f = filtersFromUrl(new URLSearchParams('status=running,bogus&strategy=ema&ticker=BTC-USD&q=&created_to=2026-01-02'))
    expect(f).toEqual({ status: ['RUNNING'], strategy: 'EMA', ticker: 'BTC-USD', created_to: '2026-01-02' })
    expect(filtersFromUrl(new URLSearchParams('strategy=XYZ'))).toEqual({})
  })

  it('matches a job id by prefix and a date range by whole days', () => {
    const a = job('1')
    expect(matches(a, { q: a.job_id.slice(0, 8) })).toBe(true)
    expect(matches(a, { q: a.job_id.slice(4, 12) })).toBe(false)
    expect(matches(a, { created_from: '2026-01-01', created_to: '2026-01-01' })).toBe(true)
    expect(matches(a, { created_from: '2026-01-02' })).toBe(false)
  })
})
