import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countPairs } from '@zixly/contracts'
import { eventually, infraUrls } from '../support/env.ts'
import { checkSaga } from './support/saga-check.ts'
import { faultStack, type FaultStack } from './support/stack.ts'
import { tcpProxy } from './support/tcp-proxy.ts'

// Fault 3: Postgres becomes unreachable to the projector for 10 s (a proxy between them that the test
// cuts). Jobs keep running meanwhile — the log is the source of truth; the projector retries its batch
// and, once Postgres answers again, catches up with nothing lost and nothing applied twice.

let stack: FaultStack
let proxy: Awaited<ReturnType<typeof tcpProxy>>
beforeAll(async () => {
  const pg = new URL(infraUrls().DATABASE_URL)
  proxy = await tcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
  pg.port = String(proxy.port)
  stack = await faultStack({ label: 'fault3', env: { MAX_CONCURRENT_SWEEPS: '2' } })
  await Promise.all([
    stack.spawn('orchestrator'),
    stack.spawn('executor', { EXECUTOR_ID: 'e1', EXECUTOR_CONCURRENCY: '2', EXECUTOR_WORKERS: '1' }),
    stack.spawn('projector', { DATABASE_URL: pg.toString() }),
  ])
}, 180_000)
afterAll(async () => {
  await stack?.stop()
  await proxy?.close()
})

const body = (i: number) => ({
  ticker: 'BTC-USD',
  strategy_type: (['SMA', 'EMA', 'MACD'] as const)[i % 3],
  fast_range: [10, 12],
  slow_range: [20, 21],
  step: 1,
  min_trades: 1,
})

async function projectedSeq(): Promise<number> {
  const r = await stack.env.pool.query<{ seq: string }>(`SELECT min(seq) AS seq FROM projection_checkpoints`)
  return Number(r.rows[0]?.seq ?? 0)
}
async function lastSeq(): Promise<number> {
  return (await (await stack.env.nc.jetstreamManager()).streams.info(stack.env.names.eventsStream)).state
    .last_seq
}

describe('fault 3: Postgres is unreachable to the projector for 10 s', () => {
  it(
    'retries, then catches up with the log: every job and event projected once',
    { timeout: 300_000 },
    async () => {
      const early = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.submit(body(i))))
      await stack.allTerminal(early, 60_000)

      proxy.cut()
      const cutAt = Date.now()
      const late = await Promise.all(Array.from({ length: 30 }, (_, i) => stack.submit(body(i))))
      // The work goes on without the read model: the log records every job's completion.
      await eventually(async () => {
        const done = await Promise.all(
          late.map(async (j) => (await stack.history(j)).some((e) => e.type === 'SweepCompleted')),
        )
        return done.every(Boolean) ? true : undefined
      }, 60_000)
      const frozen = await projectedSeq()
      expect(frozen).toBeLessThan(await lastSeq())
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - cutAt))))
      expect(await projectedSeq()).toBe(frozen)
      proxy.restore()

      const jobs = [...early, ...late]
      const statuses = await stack.allTerminal(jobs, 60_000)
      expect([...statuses.values()].every((s) => s === 'COMPLETED')).toBe(true)
      const last = await lastSeq()
      await eventually(async () => ((await projectedSeq()) === last ? true : undefined), 30_000)
      const pairs = countPairs([10, 12], [20, 21], 1)
      const results = await stack.resultCounts(jobs)
      for (const jobId of jobs) {
        const events = await stack.history(jobId)
        const saga = checkSaga(events)
        expect(saga.problems, jobId).toEqual([])
        expect(saga, jobId).toMatchObject({ status: 'COMPLETED', resultRows: pairs, distinctPairs: pairs })
        expect(results.get(jobId), jobId).toEqual({ rows: pairs, distinct: pairs })
        // The timeline holds every event of the log once, in the same order.
        const timeline = await stack.env.pool.query<{ seq: string }>(
          `SELECT seq FROM job_events WHERE job_id = $1 ORDER BY seq`,
          [jobId],
        )
        expect(
          timeline.rows.map((r) => Number(r.seq)),
          jobId,
        ).toEqual(events.map((e) => e.seq))
      }
    },
  )
})
