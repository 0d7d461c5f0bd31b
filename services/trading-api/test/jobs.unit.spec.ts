import { TradingApiSweepRequest } from '@zixly/contracts'
import { describe, expect, it } from 'vitest'
import { JobStore, type Job } from '../src/jobs.ts'

const request = TradingApiSweepRequest.parse({ ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5 })
const job = (id: string, status: Job['status'] = 'pending', sweepRunId: string | null = null): Job => ({
  id,
  request,
  dialect: 'json',
  combinations: 8,
  createdAt: '2026-01-01T00:00:00.000Z',
  status,
  progress: 0,
  startedAt: null,
  completedAt: null,
  errorMessage: null,
  sweepRunId,
  executionTimeSeconds: null,
  webhookSentAt: null,
  webhookResponseStatus: null,
  abort: new AbortController(),
})
const run = (id: string, jobId: string) => ({ id, jobId, ticker: 'BTC-USD', strategyType: 'SMA', signalPeriod: 9, runDate: '', rows: [] })

describe('JobStore', () => {
  it('drops the oldest finished job, with its results, when full', () => {
    const store = new JobStore(3)
    store.add(job('a', 'running'))
    store.add(job('b', 'completed', 'run-b'))
    store.addRun(run('run-b', 'b'))
    store.add(job('c', 'completed', 'run-c'))
    store.addRun(run('run-c', 'c'))
    expect(store.add(job('d'))).toBe(true)
    expect(store.get('a')).toBeDefined()
    expect(store.get('b')).toBeUndefined()
    expect(store.run('run-b')).toBeUndefined()
    expect(store.run('run-c')).toBeDefined()
  })

  it('refuses a new job when every slot holds an unfinished one', () => {
    const store = new JobStore(2)
    store.add(job('a', 'running'))
    store.add(job('b', 'pending'))
    expect(store.add(job('c'))).toBe(false)
    expect(store.get('c')).toBeUndefined()
  })

  it('tells watchers of a job about its changes until they stop watching', () => {
    const store = new JobStore(2)
    const a = job('a')
    store.add(a)
    const seen: string[] = []
    const stop = store.watch('a', (j) => seen.push(`${j.status}:${j.progress}`))
    store.update(a, { status: 'running' })
    store.update(a, { progress: 50 })
    stop()
    store.update(a, { status: 'completed', progress: 100 })
    expect(seen).toEqual(['running:0', 'running:50'])
  })

  it('counts jobs by status', () => {
    const store = new JobStore(5)
    store.add(job('a', 'running'))
    store.add(job('b', 'completed'))
    store.add(job('c', 'completed'))
    expect(store.counts()).toEqual({ pending: 0, running: 1, completed: 2, failed: 0, cancelled: 0 })
  })
})
