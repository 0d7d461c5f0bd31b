// Engine benchmark: @zixly/engine's SweepPool vs a numba implementation of the same SCORE.md
// semantics (numba_sweep.py), SMA, fast 5..50 x slow 10..200 (7,925 pairs), on BTC-USD daily and
// hourly. Both sides run alternately in this one invocation (the machine is shared, so only
// same-run comparisons mean anything); median of RUNS timed runs each, after a warm-up.
//   pnpm exec tsx bench/engine/run.ts      (or: node bench/engine/run.mjs)   env RUNS=5
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { SweepPool, type ResultRow, type SweepSpec } from '../../packages/engine/src/index.ts'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const RUNS = Math.max(3, Number(process.env.RUNS ?? 5))
const PY = '/usr/bin/python3'

function priceFile(name: string): string {
  const local = join(root, 'data', 'prices', `${name}.csv`)
  return existsSync(local) ? local : join('/work/shared/data/prices', `${name}.csv`)
}

function loadCloses(path: string): Float64Array {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/)
  const col = lines[0]!.split(',').indexOf('Close')
  return Float64Array.from(lines.slice(1), (l) => Number(l.split(',')[col]))
}

function ensureNumba(): void {
  if (spawnSync(PY, ['-c', 'import numba, numpy']).status === 0) return
  console.log('numba missing: apt-get install python3-numba python3-numpy')
  const r = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y python3-numba python3-numpy'], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error('could not install python3-numba')
}

/** numba_sweep.py as a line-oriented JSON server. */
function startNumba(): { ask: (msg: object) => Promise<Record<string, unknown>>; quit: () => void } {
  const child = spawn(PY, [join(here, 'numba_sweep.py')], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const waiting: Array<(line: string) => void> = []
  lines.on('line', (line) => waiting.shift()?.(line))
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve) => waiting.push((line) => resolve(JSON.parse(line) as Record<string, unknown>)))
  const ready = next()
  return {
    ask: async (msg) => {
      await ready
      child.stdin.write(`${JSON.stringify(msg)}\n`)
      return next()
    },
    quit: () => child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`),
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const FIELDS: Array<[number, keyof ResultRow]> = [
  [0, 'score'], [1, 'sharpe_ratio'], [2, 'sortino_ratio'], [3, 'calmar_ratio'], [4, 'total_return_pct'],
  [5, 'annualized_return'], [6, 'max_drawdown_pct'], [8, 'win_rate_pct'], [9, 'profit_factor'],
  [10, 'expectancy_per_trade'], [11, 'total_trades'], [12, 'total_closed_trades'], [13, 'trades_per_month'], [15, 'beats_bnh_pct'],
]

function disagreements(rows: ResultRow[], numba: Array<Array<number | null>>, pairs: Array<[number, number]>): string[] {
  const out: string[] = []
  pairs.forEach(([f, s], i) => {
    const row = rows.find((r) => r.fast_period === f && r.slow_period === s)!
    const theirs = numba[i]!
    for (const [slot, key] of FIELDS) {
      const a = row[key] as number | null
      const b = theirs[slot] ?? null
      const ok = a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)))
      if (!ok) out.push(`(${f},${s}) ${key}: engine ${a} numba ${b}`)
    }
    if (row.max_drawdown_duration !== `${theirs[7]} ${row.max_drawdown_duration.split(' ')[1]}`) out.push(`(${f},${s}) max_drawdown_duration`)
  })
  return out
}

async function main(): Promise<void> {
  ensureNumba()
  const pairs: Array<[number, number]> = []
  for (let f = 5; f <= 50; f++) for (let s = 10; s <= 200; s++) if (f < s) pairs.push([f, s])
  const series = [
    { name: 'BTC-USD daily', file: 'BTC-USD', ann: 365, unit: 'days' as const },
    { name: 'BTC-USD hourly', file: 'BTC-USD_1h', ann: 8760, unit: 'bars' as const },
  ]
  const numba = startNumba()
  const pool = new SweepPool()
  const results = []
  const checkPairs: Array<[number, number]> = [[5, 10], [5, 200], [12, 26], [20, 50], [27, 30], [33, 101], [49, 50], [50, 200]]
  try {
    for (const s of series) {
      const path = priceFile(s.file)
      const closes = loadCloses(path)
      await numba.ask({ cmd: 'load', name: s.file, path, ann: s.ann })
      const spec: SweepSpec = { strategy: 'SMA', pairs, minTrades: 50, fee: 0.001, initCash: 1000, annFactor: s.ann, signalPeriod: 9, barUnit: s.unit }
      const grid = { cmd: 'run', name: s.file, fast: [5, 50], slow: [10, 200] }
      // warm-up: JIT on our side, caches on theirs (numba compiled at start-up)
      const rows = await pool.run(closes, spec)
      await numba.ask(grid)
      const js: number[] = []
      const nb: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now()
        await pool.run(closes, spec)
        js.push((performance.now() - t) / 1000)
        nb.push((await numba.ask(grid)).secs as number)
      }
      const check = await numba.ask({ cmd: 'pairs', name: s.file, pairs: checkPairs })
      const diffs = disagreements(rows, check.rows as Array<Array<number | null>>, checkPairs)
      const r = {
        series: s.name,
        bars: closes.length,
        pairs: pairs.length,
        engine: { medianSecs: median(js), combosPerSec: pairs.length / median(js), runs: js, peakRssMB: process.resourceUsage().maxRSS / 1024 },
        numba: { medianSecs: median(nb), combosPerSec: pairs.length / median(nb), runs: nb, peakRssMB: (check.maxrss_kb as number) / 1024 },
        speedup: median(nb) / median(js),
        agreement: { pairs: checkPairs, tolerance: 1e-6, disagreements: diffs },
      }
      results.push(r)
      console.log(
        `${s.name.padEnd(15)} ${String(closes.length).padStart(6)} bars  engine ${r.engine.combosPerSec.toFixed(0).padStart(7)} comb/s (peak RSS ${r.engine.peakRssMB.toFixed(0)} MB)` +
          `  numba ${r.numba.combosPerSec.toFixed(0).padStart(7)} comb/s (peak RSS ${r.numba.peakRssMB.toFixed(0)} MB)  x${r.speedup.toFixed(2)}` +
          `  agreement on ${checkPairs.length} pairs: ${diffs.length === 0 ? 'ok' : diffs.join('; ')}`,
      )
    }
  } finally {
    numba.quit()
    await pool.close()
  }
  const versions = spawnSync(PY, ['-c', 'import numba, numpy, sys; print(numba.__version__, numpy.__version__, sys.version.split()[0])']).stdout.toString().trim().split(' ')
  const report = {
    date: new Date().toISOString(),
    command: 'pnpm exec tsx bench/engine/run.ts',
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model, node: process.version, numba: versions[0], numpy: versions[1], python: versions[2] },
    workers: pool.size,
    runsPerSide: RUNS,
    results,
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true })
  writeFileSync(join(root, 'bench', 'results', 'engine.json'), `${JSON.stringify(report, null, 2)}\n`)
  console.log(`machine: ${report.machine.nproc} cores, ${report.machine.cpu}, node ${report.machine.node}, numba ${report.machine.numba}; wrote bench/results/engine.json`)
  if (results.some((r) => r.agreement.disagreements.length > 0)) process.exitCode = 1
}

await main()
