import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMarketData } from '@zixly/market-data'
import { countPairs, parseEvent } from '@zixly/contracts'
import { readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'
import { spawnService } from '../support/process.ts'
import { startBackbone, startIngest } from '../support/stack.ts'

// Issue 3, acceptance 5: a sweep of 7,925 pairs stores 7,925 rows once, even when the executor is killed
// while it is writing them and the command is redelivered to another executor.
let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>
const ACK_WAIT_MS = '3000'

beforeAll(async () => {
  env = await isolatedEnv('resultsonce')
  const marketData = createMarketData()
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
})
afterAll(async () => {
  await backbone?.stop()
  await ingest?.stop()
  await env?.cleanup()
})

describe('results of a redelivered sweep', () => {
  it('stores 7,925 rows once when the executor is SIGKILLed between result chunks', async () => {
    const grid = { ticker: 'BTC-USD', fast_range: [5, 50], slow_range: [10, 200], step: 1, strategy_type: 'SMA' }
    const first = await spawnService('executor', { ...env.env, EXECUTOR_ID: 'killed', EXECUTOR_ACK_WAIT_MS: ACK_WAIT_MS })
    const res = await fetch(`${ingest.url}/webhook/trading-sweep`, { method: 'POST', headers: { 'content-type': 'application/json', ...ingest.headers }, body: JSON.stringify(grid) })
    const { job_id: jobId } = (await res.json()) as { job_id: string }
    // Kill it as soon as its first result chunk is in the log: the rest of the chunks are not.
    await new Promise<void>((resolve) => {
      const sub = env.nc.subscribe(env.names.eventSubject('local', jobId), {
        callback: (_e, m) => {
          if (m.json<{ type: string }>().type === 'SweepResultsRecorded') {
            first.kill('SIGKILL')
            sub.unsubscribe()
            resolve()
          }
        },
      })
    })
    await first.exited
    const second = await spawnService('executor', { ...env.env, EXECUTOR_ID: 'second', EXECUTOR_ACK_WAIT_MS: ACK_WAIT_MS })
    try {
      await eventually(async () => {
        const r = await env.pool.query<{ status: string }>(`SELECT status FROM pipeline_jobs WHERE id = $1`, [jobId])
        return r.rows[0]?.status === 'COMPLETED' ? true : undefined
      }, 90_000)
    } finally {
      second.kill('SIGTERM')
      await second.exited
    }
    const rows = await env.pool.query<{ n: string; distinct_pairs: string }>(
      `SELECT count(*) AS n, count(DISTINCT (fast_period, slow_period)) AS distinct_pairs FROM trading_sweep_results WHERE job_id = $1`,
      [jobId],
    )
    expect(Number(rows.rows[0]!.n)).toBe(countPairs([5, 50], [10, 200], 1))
    expect(Number(rows.rows[0]!.distinct_pairs)).toBe(7925)
    const events = (await readSubject(env.nc.jetstream(), await env.nc.jetstreamManager(), env.names.eventsStream, env.names.eventSubject('local', jobId))).map((m) => parseEvent(m.data))
    expect(events.filter((e) => e.type === 'SweepCompleted')).toHaveLength(1)
    // Both deliveries wrote result chunks; the read model holds each combination once.
    expect(events.filter((e) => e.type === 'SweepStarted').map((e) => (e.type === 'SweepStarted' ? e.data.executor_id : ''))).toEqual(['killed', 'second'])
  })
})
