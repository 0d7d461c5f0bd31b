import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countPairs } from '@zixly/contracts'
import { eventually } from '../support/env.ts'
import { ownNatsServer } from './support/nats-server.ts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, type FaultStack } from './support/stack.ts'

// Fault 2: NATS is killed and restarted while 500 jobs are in flight (queued, dispatched, running).
// Every service reconnects: the orchestrator and the projector resume their ordered reads, executors
// pull again and redeliveries finish what was cut off. Every job completes once. The server is this
// test's own (own port, own store directory); the shared one is never touched.

let nats: Awaited<ReturnType<typeof ownNatsServer>>
let stack: FaultStack
beforeAll(async () => {
  nats = await ownNatsServer()
  // This file runs in its own process: everything it starts talks to its own server.
  process.env.NATS_URL = nats.url
  stack = await faultStack({
    label: 'fault2',
    env: {
      MAX_CONCURRENT_SWEEPS: '4',
      // Four whole slots (not shares of a slot by pairs), so that most jobs are still queued or running
      // when NATS restarts.
      SWEEP_SLOT_PAIRS: '0',
      EXECUTOR_ACK_WAIT_MS: '2000',
      EXECUTOR_CONCURRENCY: '2',
      EXECUTOR_WORKERS: '1',
    },
  })
  // The executors start once all 500 jobs are queued (in the test): submitting takes long enough that,
  // with executors running, the pipeline could finish most jobs before the restart.
  await Promise.all([stack.spawn('orchestrator'), stack.spawn('projector')])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
  await nats?.stop()
})

/** Small sweeps of 1 to 4 pairs, varied in ticker and strategy. */
function body(i: number) {
  const grids = [
    { fast_range: [10, 10], slow_range: [20, 20] },
    { fast_range: [10, 11], slow_range: [20, 20] },
    { fast_range: [10, 11], slow_range: [20, 21] },
  ] as const
  return {
    ticker: i % 2 === 0 ? 'BTC-USD' : 'ETH-USD',
    strategy_type: (['SMA', 'EMA', 'MACD'] as const)[i % 3],
    step: 1,
    min_trades: 1,
    ...grids[i % grids.length]!,
  }
}

describe('fault 2: NATS restarts while 500 jobs are in flight', () => {
  it('completes every job exactly once after the restart', { timeout: 300_000 }, async () => {
    const jobs: string[] = []
    for (let i = 0; i < 500; i += 25)
      jobs.push(...(await Promise.all(Array.from({ length: 25 }, (_, k) => stack.submit(body(i + k))))))
    await Promise.all([stack.spawn('executor', { EXECUTOR_ID: 'e1' }), stack.spawn('executor', { EXECUTOR_ID: 'e2' })])
    // Restart once part of the work is done and the rest is queued or running.
    await eventually(async () => {
      const s = await stack.statuses(jobs)
      return [...s.values()].filter((x) => x === 'COMPLETED').length >= 10 ? true : undefined
    }, 60_000)
    const before = [...(await stack.statuses(jobs)).values()]
    expect(before.filter((x) => x !== 'COMPLETED').length).toBeGreaterThan(200)
    await nats.restart('SIGKILL')

    const statuses = await stack.allTerminal(jobs, 240_000)
    expect([...statuses.values()].every((s) => s === 'COMPLETED')).toBe(true)
    const results = await stack.resultCounts(jobs)
    for (const [i, jobId] of jobs.entries()) {
      const b = body(i)
      const pairs = countPairs(b.fast_range, b.slow_range, 1)
      const saga = checkSaga(await stack.history(jobId))
      expect(saga.problems, jobId).toEqual([])
      expect(saga, jobId).toMatchObject({
        status: 'COMPLETED',
        resultRows: pairs,
        distinctPairs: pairs,
        chunksRecorded: 1,
      })
      expect(results.get(jobId), jobId).toEqual({ rows: pairs, distinct: pairs })
    }
  })
})
