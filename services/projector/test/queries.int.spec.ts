import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { SweepEvent } from '@zixly/contracts'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { countJobs, jobDetail, jobsChangedSince, jobTimeline, listJobs, resultsCsv, resultsPage, startProjector, tenantStats } from '../src/index.ts'
import { appendAll, failedAttempt, lifecycle, params } from './fixtures.ts'

let env: TestEnv
const t0 = Date.UTC(2026, 0, 1)
const completed: string[] = []
const eth = randomUUID()
const retried = randomUUID()
const other = randomUUID()

beforeAll(async () => {
  env = await isolatedEnv('queries')
  const events: SweepEvent[] = []
  for (let i = 0; i < 6; i++) {
    const id = randomUUID()
    completed.push(id)
    events.push(...lifecycle(id, 'acme', t0 + i * 60_000))
  }
  // An ETH job still queued, a job that failed once and then succeeded, another tenant's job.
  const ethReq = lifecycle(eth, 'acme', t0 + 10 * 60_000)[0]!
  events.push({ ...ethReq, data: { job_id: eth, params: { ...params, ticker: 'ETH-USD', strategy_type: 'EMA' } } } as SweepEvent)
  const [req, disp, start, ...rest] = lifecycle(retried, 'acme', t0 + 11 * 60_000)
  events.push(req!, disp!, start!, failedAttempt(retried, 'acme', t0 + 11 * 60_000 + 3000, 1), retry2(disp!), retry2(start!), ...rest.map(retry2))
  events.push(...lifecycle(other, 'globex', t0 + 12 * 60_000))
  await appendAll(env.nc.jetstream(), env.names, events, 1)
  const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
  await eventually(async () => (projector.checkpoint === events.length ? true : undefined), 20_000)
  await projector.stop()
})
afterAll(async () => {
  await env?.cleanup()
})

/** The same event as a second attempt's (later, attempt 2). */
function retry2(e: SweepEvent): SweepEvent {
  const data = 'attempt' in e.data ? { ...e.data, attempt: 2 } : e.data
  const at = new Date(Date.parse(e.metadata.occurredAt) + 10_000).toISOString()
  return { ...e, id: `${e.id}:r2`, data, metadata: { ...e.metadata, occurredAt: at } } as SweepEvent
}

describe('read queries', () => {
  it('lists only the tenant’s jobs, newest first, and filters by status, ticker, strategy, time and text', async () => {
    const all = await listJobs(env.pool, 'acme')
    expect(all.jobs.map((j) => j.job_id)).toEqual([retried, eth, ...[...completed].reverse()])
    expect(all.next_cursor).toBeNull()
    expect((await listJobs(env.pool, 'globex')).jobs.map((j) => j.job_id)).toEqual([other])
    expect((await listJobs(env.pool, 'acme', { status: 'QUEUED' })).jobs.map((j) => j.job_id)).toEqual([eth])
    expect((await listJobs(env.pool, 'acme', { status: ['QUEUED', 'COMPLETED'] })).jobs).toHaveLength(8)
    expect((await listJobs(env.pool, 'acme', { ticker: 'ETH-USD' })).jobs.map((j) => j.job_id)).toEqual([eth])
    expect((await listJobs(env.pool, 'acme', { strategy: 'EMA' })).jobs.map((j) => j.job_id)).toEqual([eth])
    expect((await listJobs(env.pool, 'acme', { q: 'eth' })).jobs.map((j) => j.job_id)).toEqual([eth])
    expect((await listJobs(env.pool, 'acme', { q: retried.slice(0, 8).toUpperCase() })).jobs.map((j) => j.job_id)).toEqual([retried])
    const window = await listJobs(env.pool, 'acme', {
      created_from: new Date(t0 + 60_000).toISOString(),
      created_to: new Date(t0 + 3 * 60_000).toISOString(),
    })
    expect(window.jobs.map((j) => j.job_id)).toEqual([completed[2], completed[1]])
    expect((await listJobs(env.pool, 'acme', { created_to: '2025-12-31' })).jobs).toEqual([])
    expect((await listJobs(env.pool, 'acme', { created_to: '2026-01-01' })).jobs).toHaveLength(8)
  })

  it('pages with a cursor without skipping or repeating a job, and refuses a forged cursor', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await listJobs(env.pool, 'acme', { limit: 3, ...(cursor ? { cursor } : {}) })
      seen.push(...page.jobs.map((j) => j.job_id))
      cursor = page.next_cursor ?? undefined
    } while (cursor)
    expect(seen).toEqual((await listJobs(env.pool, 'acme')).jobs.map((j) => j.job_id))
    await expect(listJobs(env.pool, 'acme', { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
  })

  it('counts jobs by status with every status present', async () => {
    const c = await countJobs(env.pool, 'acme')
    expect(c).toEqual({ total: 8, by_status: { QUEUED: 1, RUNNING: 0, RETRYING: 0, COMPLETED: 7, FAILED: 0, CANCELLED: 0 } })
    expect((await countJobs(env.pool, 'acme', { ticker: 'ETH-USD' })).total).toBe(1)
  })

  it('shows a job’s attempts, errors and durations, and nothing of another tenant’s job', async () => {
    const d = (await jobDetail(env.pool, 'acme', retried))!
    expect(d.status).toBe('COMPLETED')
    expect(d.attempts.map((a) => [a.attempt, a.status, a.error?.code ?? null])).toEqual([
      [1, 'FAILED', 'TRADING_API_UNAVAILABLE'],
      [2, 'SUCCEEDED', null],
    ])
    expect(d.attempts[1]!.duration_ms).toBe(2000)
    expect(d.durations).toEqual({ queue_ms: 2000, run_ms: 12_000, total_ms: 14_000 })
    expect(d.top_results[0]!.score).toBe(1.5)
    expect(await jobDetail(env.pool, 'acme', other)).toBeNull()
    expect(await jobDetail(env.pool, 'acme', 'not-a-uuid')).toBeNull()
  })

  it('sorts results by any metric and exports them as CSV through a cursor', async () => {
    const asc = (await resultsPage(env.pool, 'acme', completed[0]!, { sort: 'score', order: 'asc', limit: 1 }))!
    expect(asc.total_count).toBe(2)
    expect(asc.results.map((r) => r.score)).toEqual([0.5])
    const csv = await resultsCsv(env.pool, 'acme', completed[0]!, { sort: 'score' }, 1)
    let text = ''
    for await (const chunk of csv!) text += chunk
    const lines = text.trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      'fast_period,slow_period,score,sharpe_ratio,sortino_ratio,calmar_ratio,total_return_pct,annualized_return,max_drawdown_pct,max_drawdown_duration,win_rate_pct,profit_factor,expectancy_per_trade,total_trades,total_closed_trades,trades_per_month,avg_trade_duration,beats_bnh_pct,rank_for_ticker',
    )
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['10,20,1.5', '15,30,0.5'])
    expect(lines[2]!.split(',').at(-1)).toBe('')
    expect(await resultsCsv(env.pool, 'acme', other)).toBeNull()
  })

  it('gives a job’s timeline in log order with type, attempt and summary', async () => {
    const t = (await jobTimeline(env.pool, 'acme', retried))!
    expect(t.events.map((e) => `${e.type}:${e.attempt ?? '-'}`)).toEqual([
      'SweepRequested:-',
      'SweepDispatched:1',
      'SweepStarted:1',
      'SweepAttemptFailed:1',
      'SweepDispatched:2',
      'SweepStarted:2',
      'SweepResultsRecorded:2',
      'SweepCompleted:2',
    ])
    expect(t.events[3]!.summary).toContain('attempt 1 failed (TRADING_API_UNAVAILABLE)')
    expect(await jobTimeline(env.pool, 'globex', retried)).toBeNull()
  })

  it('computes per-tenant stats over 1 h / 24 h / 7 d windows', async () => {
    const s = await tenantStats(env.pool, 'acme', new Date(t0 + 30 * 60_000))
    expect(s.by_status.COMPLETED).toBe(7)
    expect(s.queue_depth).toBe(1)
    expect(s.windows['1h']).toMatchObject({ finished: 7, completed: 7, failed: 0, success_rate: 1, p50_ms: 4000 })
    expect(s.windows['1h'].p95_ms).toBeGreaterThan(4000)
    expect(s.throughput).toHaveLength(60)
    expect(s.throughput.reduce((n, m) => n + m.completed, 0)).toBe(7)
    expect(s.throughput_per_minute).toBeCloseTo(7 / 60)
    const later = await tenantStats(env.pool, 'acme', new Date(t0 + 3 * 3600_000))
    expect(later.windows['1h'].finished).toBe(0)
    expect(later.windows['1h'].success_rate).toBeNull()
    expect(later.windows['24h'].finished).toBe(7)
  })

  it('lists the jobs changed after a checkpoint, in change order, with the next checkpoint', async () => {
    const all = await jobsChangedSince(env.pool, 'acme', 0)
    expect(all.jobs).toHaveLength(8)
    expect(all.more).toBe(false)
    const first = await jobsChangedSince(env.pool, 'acme', 0, 2)
    expect(first.more).toBe(true)
    const rest = await jobsChangedSince(env.pool, 'acme', first.checkpoint)
    expect([...first.jobs, ...rest.jobs].map((j) => j.job_id)).toEqual(all.jobs.map((j) => j.job_id))
    expect((await jobsChangedSince(env.pool, 'acme', all.checkpoint)).jobs).toEqual([])
  })

  it('pages 100,000 jobs by cursor without a gap or a repeat (jobs sharing a creation time included)', async () => {
    await env.pool.query(
      `INSERT INTO pipeline_jobs (id, tenant_id, status, parameters, ticker, strategy_type, priority, max_attempts, created_at, updated_at, last_seq)
       SELECT gen_random_uuid(), 'bulk', 'COMPLETED', '{}'::jsonb, 'BTC-USD', 'SMA', 5, 3,
              timestamptz '2026-01-01' + (i / 3) * interval '1 millisecond', now(), 1000000 + i
       FROM generate_series(1, 100000) AS i`,
    )
    await env.pool.query('ANALYZE pipeline_jobs')
    const seen = new Set<string>()
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await listJobs(env.pool, 'bulk', { limit: 500, ...(cursor ? { cursor } : {}) })
      for (const j of page.jobs) seen.add(j.job_id)
      cursor = page.next_cursor ?? undefined
      pages++
    } while (cursor)
    expect(pages).toBe(200)
    expect(seen.size).toBe(100_000)
    const plan = await env.pool.query(
      `EXPLAIN SELECT id FROM pipeline_jobs WHERE tenant_id = 'bulk' AND (created_at, id) < (now(), gen_random_uuid())
       ORDER BY created_at DESC, id DESC LIMIT 51`,
    )
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index/)
  }, 60_000)
})
