import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMarketData } from '@zixly/market-data'
import { countPairs, parseSweepEvent, type SweepEvent } from '@zixly/contracts'
import { readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { spawnService } from '../../../test/support/process.ts'
import { startBackbone, startIngest } from '../../../test/support/stack.ts'

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>

beforeAll(async () => {
  env = await isolatedEnv('executor')
  const marketData = createMarketData()
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
})
afterAll(async () => {
  await backbone?.stop()
  await ingest?.stop()
  await env?.cleanup()
})

async function submit(body: unknown): Promise<string> {
  const res = await fetch(`${ingest.url}/webhook/trading-sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ingest.headers },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { job_id: string }).job_id
}

/** Resolves when the job's SweepStarted is appended (seen on the core subject as it is published). */
function whenStarted(jobId: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = env.nc.subscribe(env.names.eventSubject('local', jobId), {
      callback: (_err, m) => {
        if (m.json<{ type: string }>().type === 'SweepStarted') {
          sub.unsubscribe()
          resolve()
        }
      },
    })
  })
}

async function history(jobId: string): Promise<SweepEvent[]> {
  const js = env.nc.jetstream()
  const msgs = await readSubject(
    js,
    await env.nc.jetstreamManager(),
    env.names.eventsStream,
    env.names.eventSubject('local', jobId),
  )
  return msgs.map((m) => parseSweepEvent(m.data))
}

async function completed(jobId: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const r = await env.pool.query(
      `SELECT status, (SELECT count(*) FROM trading_sweep_results WHERE job_id = $1) AS n FROM pipeline_jobs WHERE id = $1`,
      [jobId],
    )
    const row = r.rows[0] as { status: string; n: string } | undefined
    return row && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(row.status)
      ? { status: row.status, rows: Number(row.n) }
      : undefined
  }, timeoutMs)
}

const big = {
  ticker: 'BTC-USD',
  interval: '1h',
  fast_range: [5, 25],
  slow_range: [10, 100],
  step: 1,
  strategy_type: 'SMA',
  min_trades: 10,
}

describe('executor shutdown and restart', () => {
  it('hands an in-flight sweep back on SIGTERM; the next executor completes it exactly once', async () => {
    const first = await spawnService('executor', {
      ...env.env,
      EXECUTOR_WORKERS: '1',
      EXECUTOR_STOP_GRACE_MS: '0',
      EXECUTOR_ID: 'first',
    })
    const jobId = await submit(big)
    await whenStarted(jobId)
    first.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
    if (!first.output().includes('handing the command back')) console.log(first.output())
    expect(first.output()).toContain('handing the command back to the stream')

    const second = await spawnService('executor', { ...env.env, EXECUTOR_ID: 'second' })
    try {
      const done = await completed(jobId, 120_000)
      const combos = countPairs([5, 25], [10, 100], 1)
      expect(done).toEqual({ status: 'COMPLETED', rows: combos })
      const events = await history(jobId)
      expect(events.filter((e) => e.type === 'SweepCompleted')).toHaveLength(1)
      expect(events.filter((e) => e.type === 'SweepDispatched')).toHaveLength(1)
      const completedBy = events
        .filter((e) => e.type === 'SweepStarted')
        .map((e) => (e.type === 'SweepStarted' ? e.data.executor_id : ''))
      expect(completedBy).toEqual(['first', 'second'])
    } finally {
      second.kill('SIGTERM')
      await second.exited
    }
  })

  it('lets an in-flight sweep finish on SIGTERM before exiting', async () => {
    const first = await spawnService('executor', {
      ...env.env,
      EXECUTOR_WORKERS: '1',
      EXECUTOR_STOP_GRACE_MS: '60000',
      EXECUTOR_ID: 'graceful',
    })
    const jobId = await submit({ ...big, interval: '1d', fast_range: [5, 30], slow_range: [10, 120] })
    await whenStarted(jobId)
    first.kill('SIGTERM')
    expect((await first.exited).code).toBe(0)
    const events = await history(jobId)
    expect(events.at(-1)?.type).toBe('SweepCompleted')
    expect(events.filter((e) => e.type === 'SweepStarted')).toHaveLength(1)
    expect((await completed(jobId)).status).toBe('COMPLETED')
  })
})
