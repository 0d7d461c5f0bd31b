import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobActionAccepted } from '@zixly/contracts'
import { eventually } from '../support/env.ts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, type FaultStack } from './support/stack.ts'

// Fault 7: 50 jobs cancelled while they run, in mixed states — waiting to retry (their attempt timed
// out), running on the executor, and queued for a slot. None of them ever completes: the executor
// stops the running ones (it watches the job's subject) and its guarded appends could not land anyway.

let stack: FaultStack
beforeAll(async () => {
  stack = await faultStack({
    label: 'fault7',
    env: {
      MAX_CONCURRENT_SWEEPS: '4',
      RETRY_BASE_MS: '60000',
      RETRY_CAP_MS: '60000',
      TIMEOUT_GRACE_MS: '500',
    },
  })
  await Promise.all([
    stack.spawn('orchestrator'),
    stack.spawn('projector'),
    stack.spawn('executor', { EXECUTOR_ID: 'busy', EXECUTOR_CONCURRENCY: '4', EXECUTOR_WORKERS: '1' }),
  ])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
})

/**
 * Far more work than a few seconds allow: 58,300 pairs over the hourly series (~19 s on one thread of
 * a quiet machine). 7,925 pairs were ~1.9 s cold and less with the engine's per-thread series cache,
 * so on a quiet machine a sweep meant to time out after 1 s (+0.5 s grace) could complete instead.
 */
const long = (extra: Record<string, unknown> = {}) => ({
  ticker: 'BTC-USD',
  interval: '1h',
  strategy_type: 'SMA',
  fast_range: [5, 200],
  slow_range: [10, 400],
  step: 1,
  min_trades: 10,
  ...extra,
})

describe('fault 7: cancel 50 jobs in mixed states', () => {
  it(
    'cancels waiting, running and queued jobs alike, and none of them ever completes',
    { timeout: 300_000 },
    async () => {
      // 8 jobs whose attempt times out after 1 s: they wait a minute for their retry.
      const waiting = await Promise.all(
        Array.from({ length: 8 }, () => stack.submit(long({ timeout_seconds: 1 }))),
      )
      await eventually(async () => {
        const s = await stack.statuses(waiting)
        const r = await stack.env.pool.query<{ n: number }>(
          `SELECT count(DISTINCT job_id)::int AS n FROM job_events WHERE job_id = ANY($1::uuid[]) AND type = 'SweepRetryScheduled'`,
          [waiting],
        )
        return s.size === 8 && r.rows[0]!.n === 8 ? true : undefined
      }, 60_000)
      // 42 long jobs: 4 take the slots and run, 38 queue behind them.
      const others = await Promise.all(Array.from({ length: 42 }, () => stack.submit(long())))
      await eventually(async () => {
        const s = [...(await stack.statuses(others)).values()]
        return s.length === 42 && s.filter((x) => x === 'RUNNING').length === 4 ? true : undefined
      }, 60_000)

      const jobs = [...waiting, ...others]
      const before = await stack.statuses(jobs)
      const count = (status: string) => [...before.values()].filter((s) => s === status).length
      expect([count('RETRYING'), count('RUNNING'), count('QUEUED')]).toEqual([8, 4, 38])

      const answers = await Promise.all(
        jobs.map((j) => stack.control(`/api/jobs/${j}/cancel`, { reason: 'fault 7' })),
      )
      for (const a of answers) {
        expect(a.status).toBe(202)
        expect(JobActionAccepted.parse(a.body)).toMatchObject({
          action: 'cancel',
          status: 'CANCELLED',
          unchanged: false,
        })
      }
      const statuses = await stack.allTerminal(jobs, 90_000)
      expect([...statuses.values()].every((s) => s === 'CANCELLED')).toBe(true)
      // The executor gave its commands up (acked), and nothing is left to run.
      await eventually(async () => {
        const jsm = await stack.env.nc.jetstreamManager()
        return (await jsm.streams.info(stack.env.names.commandsStream)).state.messages === 0
          ? true
          : undefined
      }, 90_000)
      // Long enough for anything still in flight to have tried to land.
      await new Promise((r) => setTimeout(r, 2000))

      for (const j of jobs) {
        const events = await stack.history(j)
        const saga = checkSaga(events)
        expect(saga.problems, j).toEqual([])
        expect(saga.status, j).toBe('CANCELLED')
        expect(
          events.some((e) => e.type === 'SweepCompleted' || e.type === 'SweepResultsRecorded'),
          j,
        ).toBe(false)
        expect(events.at(-1)?.type, j).toBe('SweepCancelled')
      }
      expect([...(await stack.resultCounts(jobs)).values()]).toEqual([])
      // Cancels free their slots: a new job still runs to completion.
      const after = await stack.submit({
        ticker: 'BTC-USD',
        strategy_type: 'SMA',
        fast_range: [10, 10],
        slow_range: [20, 20],
        step: 1,
        min_trades: 1,
      })
      expect((await stack.allTerminal([after], 90_000)).get(after)).toBe('COMPLETED')
    },
  )
})
