import { afterAll, describe, expect, it } from 'vitest'
import { AbortError, EngineInputError, runSweep, SweepPool, type Strategy, type SweepSpec } from '../src/index.ts'
import { loadCloses } from './support/prices.ts'
import { randomPairs } from './support/prng.ts'

// The pool runs worker.ts from TypeScript source inside vitest's forks pool: these tests are also
// the proof that workers get a TS loader there.

function spec(strategy: Strategy, pairs: Array<readonly [number, number]>): SweepSpec {
  return { strategy, pairs, minTrades: 20, fee: 0.001, initCash: 1000, annFactor: 365, signalPeriod: 9, barUnit: 'days' }
}

const fullGrid: Array<[number, number]> = []
for (let f = 5; f <= 50; f++) for (let s = 10; s <= 200; s++) if (f < s) fullGrid.push([f, s])

const pools: SweepPool[] = []
function pool(workers: number, loader?: 'bundle' | 'tsx'): SweepPool {
  const p = new SweepPool(loader === undefined ? { workers } : { workers, loader })
  pools.push(p)
  return p
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

describe('SweepPool', () => {
  const btc = loadCloses('BTC-USD')

  it('returns the same rows as runSweep with 1, 2 and 3 workers, for every strategy', async () => {
    const sized = [pool(1), pool(2), pool(3)]
    expect(sized.map((p) => p.size)).toEqual([1, 2, 3])
    for (const strategy of ['SMA', 'EMA', 'MACD'] as const) {
      const s = spec(strategy, randomPairs(11, 400))
      const expected = runSweep(btc, s)
      for (const p of sized) expect(await p.run(btc, s)).toEqual(expected)
    }
  })

  it('starts workers from an in-memory bundle by default, and from tsx when asked, with equal results', async () => {
    const bundle = pool(1)
    const tsx = pool(1, 'tsx')
    expect(bundle.loader).toBe('bundle')
    expect(tsx.loader).toBe('tsx')
    const s = spec('EMA', randomPairs(12, 100))
    expect(await tsx.run(btc, s)).toEqual(await bundle.run(btc, s))
  })

  it('reports progress per chunk, monotonically, ending at the total', async () => {
    const calls: number[] = []
    const rows = await pool(2).run(btc, spec('SMA', fullGrid), { onProgress: (done, total) => calls.push(done / total) })
    expect(rows).toHaveLength(fullGrid.length)
    expect(calls.at(-1)).toBe(1)
    expect([...calls].sort((a, b) => a - b)).toEqual(calls)
    expect(calls.length).toBeLessThanOrEqual(64)
  })

  it('rejects with AbortError within 1 s when aborted 50 ms into a large grid, and stays usable', async () => {
    const hourly = loadCloses('BTC-USD_1h')
    const p = pool(2)
    const controller = new AbortController()
    const run = p.run(hourly, spec('MACD', fullGrid), { signal: controller.signal })
    const settled = run.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const abortedAt = performance.now()
    controller.abort()
    const outcome = await settled
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(outcome).toBeInstanceOf(AbortError)
    expect((outcome as Error).name).toBe('AbortError')
    // workers stopped their chunk and take new work
    const s = spec('SMA', randomPairs(5, 50))
    expect(await p.run(btc, s)).toEqual(runSweep(btc, s))
  })

  it('rejects at once when the signal is already aborted', async () => {
    await expect(pool(1).run(btc, spec('SMA', fullGrid), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    })
  })

  it('rejects an invalid spec with EngineInputError before touching a worker', async () => {
    await expect(pool(1).run(btc, spec('SMA', [[9, 3]]))).rejects.toBeInstanceOf(EngineInputError)
  })

  it('runs concurrent jobs and keeps their results apart', async () => {
    const p = pool(2)
    const a = spec('SMA', randomPairs(21, 300))
    const b = spec('EMA', randomPairs(22, 300))
    const eth = loadCloses('ETH-USD')
    const [ra, rb] = await Promise.all([p.run(btc, a), p.run(eth, b)])
    expect(ra).toEqual(runSweep(btc, a))
    expect(rb).toEqual(runSweep(eth, b))
  })

  it('rejects runs still in flight when closed', async () => {
    const p = pool(1)
    const rejected = expect(p.run(loadCloses('BTC-USD_1h'), spec('SMA', fullGrid))).rejects.toThrow(/closed/)
    await p.close()
    await rejected
    await expect(p.run(btc, spec('SMA', [[2, 3]]))).rejects.toThrow(/closed/)
  })
})
