// End-to-end benchmark: 10,000 small sweeps (4 pairs each) posted as fast as accepted, jobs/s from the
// first 202 to the last COMPLETED in the read model; then p50/p99 from 202 to COMPLETED at half that
// rate. Zixly and the BullMQ peer baseline, in the same run, same machine, same Postgres, same jobs;
// the results of every job are checked equal between the two.
//   pnpm --filter @zixly/bench e2e     env RUNS=3 JOBS=10000 PACED_SECONDS=20 INFLIGHT=50
//                                          EXECUTOR_CONCURRENCY=32 BQ_WORKERS=1 BQ_CONCURRENCY=32
import { startBullmq } from '../baseline/target.ts'
import { envInt, note, writeResults } from '../lib/output.ts'
import { cpuMeter, rssSampler, treeRssMb } from '../lib/rss.ts'
import { median, spreadPct } from '../lib/stats.ts'
import { printTable } from '../lib/table.ts'
import { compareResults } from './check.ts'
import { smallSweeps } from './jobs.ts'
import { paced, saturate } from './phases.ts'
import { bullmqSettings, zixlyEnv } from './settings.ts'
import type { Target } from './target.ts'
import { startZixly, type ZixlyTarget } from './zixly.ts'
import type { ResultRow } from '@zixly/engine'

const RUNS = Math.max(1, envInt('RUNS', 3))
const JOBS = envInt('JOBS', 10_000)
const PACED_SECONDS = envInt('PACED_SECONDS', 20)
const INFLIGHT = envInt('INFLIGHT', 50)
const bodies = smallSweeps(JOBS, 9)

type Side = 'zixly' | 'bullmq'
interface SideRun {
  jobs_per_s: number
  accepted_per_s: number
  seconds: number
  failed: number
  paced_rate_per_s: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  rss_idle_mb: Record<string, number>
  rss_peak_mb: Record<string, number>
  /** CPU seconds each process used during the burst. */
  cpu_s: Record<string, number>
  /** All of that per job, in ms: what a job costs whatever else the machine is doing. */
  cpu_ms_per_job: number
}

async function runSide(
  side: Side,
): Promise<{ run: SideRun; ids: string[]; rows: Map<string, ResultRow[]>; security?: unknown; stages?: unknown }> {
  const target: Target & { security?: unknown } = side === 'zixly' ? await startZixly(zixlyEnv()) : await startBullmq(bullmqSettings())
  try {
    const rss_idle_mb = Object.fromEntries(target.processes.map((p) => [p.name, Number((treeRssMb(p.pid) ?? 0).toFixed(1))]))
    const sampler = rssSampler(target.processes)
    const cpu = cpuMeter(target.processes)
    const sat = await saturate(target, bodies, { inflight: INFLIGHT, timeoutMs: envInt('TIMEOUT_SECONDS', 900) * 1000 })
    const rss_peak_mb = sampler.stop()
    const cpu_s = cpu.stop()
    note(`  ${target.name}: CPU seconds during the burst ${JSON.stringify(cpu_s)}`)
    note(`  ${target.name}: ${sat.jobs_per_s.toFixed(0)} jobs/s (${sat.seconds.toFixed(1)} s; 202s at ${sat.accepted_per_s.toFixed(0)}/s)`)
    const rate = sat.jobs_per_s / 2
    const pacedBodies = smallSweeps(Math.max(50, Math.min(JOBS, Math.round(rate * PACED_SECONDS))), 10)
    const half = await paced(target, pacedBodies, rate)
    note(`  ${target.name}: at ${rate.toFixed(0)}/s p50 ${half.p50_ms.toFixed(0)} ms, p99 ${half.p99_ms.toFixed(0)} ms`)
    // Where the slowest jobs' time went (Zixly's events carry their times): 202 → each event → seen done.
    if (side === 'zixly')
      for (const s of half.slowest.slice(0, 3)) {
        const events = await (target as ZixlyTarget).eventTimes(s.id)
        const steps = events.map((e) => `${e.type.replace(/^Sweep/, '')} +${e.at - s.accepted_at}`).join(', ')
        note(`    slow job ${s.id}: ${s.ms.toFixed(0)} ms — ${steps}, seen done +${s.seen_at - s.accepted_at} (ms after its 202)`)
      }
    const rows = await target.results(sat.ids)
    const stages = 'stages' in target && typeof target.stages === 'function' ? await (target as ZixlyTarget).stages(sat.ids) : undefined
    return {
      run: {
        jobs_per_s: sat.jobs_per_s,
        accepted_per_s: sat.accepted_per_s,
        seconds: sat.seconds,
        failed: sat.failed,
        paced_rate_per_s: rate,
        p50_ms: half.p50_ms,
        p99_ms: half.p99_ms,
        max_ms: half.max_ms,
        rss_idle_mb,
        rss_peak_mb,
        cpu_s,
        cpu_ms_per_job: (Object.values(cpu_s).reduce((a, b) => a + b, 0) * 1000) / sat.jobs,
      },
      ids: sat.ids,
      rows,
      ...(stages === undefined ? {} : { stages }),
      ...(target.security === undefined ? {} : { security: target.security }),
    }
  } finally {
    await target.stop()
  }
}

// SIDES=zixly runs one side only (for profiling); the comparison needs both.
const SIDES = (process.env.SIDES ?? 'zixly,bullmq').split(',') as Side[]
const runs: Array<{ run: number; zixly: SideRun; bullmq: SideRun; check: ReturnType<typeof compareResults>; security: unknown; zixly_stages: unknown }> = []
for (let run = 1; run <= RUNS; run++) {
  const order = ((run % 2 === 1 ? ['bullmq', 'zixly'] : ['zixly', 'bullmq']) as Side[]).filter((s) => SIDES.includes(s))
  const got: Partial<Record<Side, Awaited<ReturnType<typeof runSide>>>> = {}
  for (const side of order) {
    note(`run ${run}/${RUNS}: ${side}, ${JOBS} jobs`)
    got[side] = await runSide(side)
  }
  if (!got.zixly || !got.bullmq) process.exit(0)
  const check = compareResults({ ids: got.zixly.ids, rows: got.zixly.rows }, { ids: got.bullmq.ids, rows: got.bullmq.rows })
  note(`  results: ${check.jobs} jobs, ${check.rows} rows compared, ${check.mismatches} differences`)
  runs.push({ run, zixly: got.zixly.run, bullmq: got.bullmq.run, check, security: got.zixly.security, zixly_stages: got.zixly.stages })
  // Each finished round is kept even if a later one fails (the machine is shared; runs are long).
  writeResults('e2e-partial', { settings: { RUNS, JOBS, PACED_SECONDS, INFLIGHT }, runs })
}

const med = (side: Side, k: Exclude<keyof SideRun, 'rss_idle_mb' | 'rss_peak_mb' | 'cpu_s'>) => median(runs.map((r) => r[side][k]))
const summary = {
  zixly: { jobs_per_s: med('zixly', 'jobs_per_s'), p50_ms: med('zixly', 'p50_ms'), p99_ms: med('zixly', 'p99_ms'), paced_rate_per_s: med('zixly', 'paced_rate_per_s'), cpu_ms_per_job: med('zixly', 'cpu_ms_per_job') },
  bullmq: { jobs_per_s: med('bullmq', 'jobs_per_s'), p50_ms: med('bullmq', 'p50_ms'), p99_ms: med('bullmq', 'p99_ms'), paced_rate_per_s: med('bullmq', 'paced_rate_per_s'), cpu_ms_per_job: med('bullmq', 'cpu_ms_per_job') },
  ratio: median(runs.map((r) => r.zixly.jobs_per_s / r.bullmq.jobs_per_s)),
  spread_pct: { zixly: spreadPct(runs.map((r) => r.zixly.jobs_per_s)), bullmq: spreadPct(runs.map((r) => r.bullmq.jobs_per_s)) },
  results_equal: runs.every((r) => r.check.mismatches === 0),
}
const goals = { ratio_at_least: 1.5, p99_below_ms: 500 }
const met = { ratio: summary.ratio >= goals.ratio_at_least, p99: summary.zixly.p99_ms < goals.p99_below_ms }

printTable(
  `End to end — ${JOBS.toLocaleString('en-US')} sweeps of 4 pairs, median of ${RUNS} runs`,
  ['system', 'jobs/s (burst)', 'half-load rate/s', 'p50 ms', 'p99 ms', 'spread %', 'CPU ms/job'],
  [
    ['Zixly', summary.zixly.jobs_per_s, summary.zixly.paced_rate_per_s, summary.zixly.p50_ms, summary.zixly.p99_ms, summary.spread_pct.zixly, summary.zixly.cpu_ms_per_job],
    ['BullMQ + Postgres', summary.bullmq.jobs_per_s, summary.bullmq.paced_rate_per_s, summary.bullmq.p50_ms, summary.bullmq.p99_ms, summary.spread_pct.bullmq, summary.bullmq.cpu_ms_per_job],
  ],
)
console.log(
  `Zixly / BullMQ: ${summary.ratio.toFixed(2)}× (goal ≥ 1.5×: ${met.ratio ? 'met' : 'MISSED'}); ` +
    `p99 at half load ${summary.zixly.p99_ms.toFixed(0)} ms (goal < 500 ms: ${met.p99 ? 'met' : 'MISSED'}); ` +
    `results ${summary.results_equal ? 'equal' : 'DIFFERENT'} on every job`,
)
const settings = { RUNS, JOBS, PACED_SECONDS, INFLIGHT, zixly: zixlyEnv(), bullmq: bullmqSettings() }
console.log(`JSON: ${writeResults('e2e', { settings, runs, summary, goals, met })}`)
process.exit(summary.results_equal ? 0 : 1)
