import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridPairs } from '@zixly/contracts'
import { annFactorFor, runSweep } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { startBullmq } from '../baseline/target.ts'
import { smallSweeps } from '../e2e/jobs.ts'
import type { Target } from '../e2e/target.ts'

// The BullMQ peer baseline as the e2e bench runs it (real Redis, real Postgres, child processes):
// what it stores must be what the engine computes, or the comparison with Zixly means nothing.
describe('BullMQ peer baseline', () => {
  let target: Target
  beforeAll(async () => {
    target = await startBullmq({ workers: 1, concurrency: 2 })
  }, 90_000)
  afterAll(async () => target?.stop())

  it('stores for each accepted job the rows the engine computes for it, and marks the job COMPLETED', async () => {
    const bodies = smallSweeps(3, 1)
    const ids = await Promise.all(bodies.map((b) => target.submit(b)))
    for (let i = 0; i < 200 && (await target.doneAmong(ids)).length < ids.length; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await target.countDone()).toEqual({ completed: 3, failed: 0 })
    const stored = await target.results(ids)
    const md = createMarketData()
    for (const [i, b] of bodies.entries()) {
      const closes = (await md.load(b.ticker, { interval: '1d' })).closes
      const expected = runSweep(closes, {
        strategy: b.strategy_type, pairs: gridPairs(b.fast_range, b.slow_range, b.step), minTrades: 50,
        fee: 0.001, initCash: 1000, annFactor: annFactorFor(b.ticker, '1d'), signalPeriod: 9, barUnit: 'days',
      })
      const rows = stored.get(ids[i]!) ?? []
      expect(rows).toHaveLength(4)
      const key = (r: { fast_period: number; slow_period: number }) => `${r.fast_period}/${r.slow_period}`
      const byKey = new Map(expected.map((r) => [key(r), r]))
      for (const r of rows) expect({ ...r, job_id: undefined }).toMatchObject({ ...byKey.get(key(r)), job_id: undefined })
    }
  }, 60_000)
})
