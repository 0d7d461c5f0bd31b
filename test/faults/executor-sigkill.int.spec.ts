import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countPairs, RESULTS_CHUNK_SIZE } from '@zixly/contracts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, whenAppended, type FaultStack } from './support/stack.ts'

// Fault 1: an executor is killed with SIGKILL in the middle of a 7,925-pair sweep. Its command was
// never acked, so JetStream redelivers it after the ack wait to a second executor, which finishes the
// job: completed once, every result row once.

let stack: FaultStack
beforeAll(async () => {
  stack = await faultStack({ label: 'fault1', env: { EXECUTOR_ACK_WAIT_MS: '2000' } })
  await Promise.all([stack.spawn('orchestrator'), stack.spawn('projector')])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
})

const big = {
  ticker: 'BTC-USD',
  interval: '1d',
  fast_range: [5, 50],
  slow_range: [10, 200],
  step: 1,
  strategy_type: 'SMA',
  min_trades: 10,
}

describe('fault 1: an executor dies mid-sweep', () => {
  it(
    'redelivers the command to another executor, which completes the job exactly once',
    { timeout: 300_000 },
    async () => {
      const pairs = countPairs([5, 50], [10, 200], 1)
      expect(pairs).toBe(7925)
      const first = await stack.spawn('executor', { EXECUTOR_ID: 'doomed', EXECUTOR_WORKERS: '2' })
      const jobId = await stack.submit(big)
      // Killed once it is well into the grid (its first progress report), never before it started.
      await whenAppended(stack.env, jobId, 'SweepProgressed')
      first.kill('SIGKILL')
      expect((await first.exited).signal).toBe('SIGKILL')

      await stack.spawn('executor', { EXECUTOR_ID: 'survivor', EXECUTOR_WORKERS: '2' })
      const statuses = await stack.allTerminal([jobId], 120_000)
      expect(statuses.get(jobId)).toBe('COMPLETED')

      const events = await stack.history(jobId)
      const saga = checkSaga(events)
      expect(saga.problems).toEqual([])
      expect(saga).toMatchObject({
        status: 'COMPLETED',
        attempts: 1,
        resultRows: pairs,
        distinctPairs: pairs,
      })
      // One dispatch, two starts (the dead executor's and the survivor's), one completion.
      const count = (t: string) => events.filter((e) => e.type === t).length
      expect([
        count('SweepRequested'),
        count('SweepDispatched'),
        count('SweepStarted'),
        count('SweepCompleted'),
      ]).toEqual([1, 1, 2, 1])
      const starters = events.flatMap((e) => (e.type === 'SweepStarted' ? [e.data.executor_id] : []))
      expect(starters).toEqual(['doomed', 'survivor'])
      // Every chunk of results comes from the survivor, once each; none from the killed executor.
      const chunks = Math.ceil(pairs / RESULTS_CHUNK_SIZE)
      expect(saga.chunksAnnounced).toBe(chunks)
      expect(count('SweepResultsRecorded')).toBe(chunks)
      expect(saga.chunksRecorded).toBe(chunks)
      // The read model holds each combination once.
      expect((await stack.resultCounts([jobId])).get(jobId)).toEqual({ rows: pairs, distinct: pairs })
    },
  )
})
