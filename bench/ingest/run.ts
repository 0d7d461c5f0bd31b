// Ingest benchmark: accepted webhooks per second and latency of Zixly's ingest (auth and per-tenant
// rate limiting on, the limit set high enough not to bind) against a bare fastify + zod + JetStream
// publish route, with the whole pipeline running behind each, in the same run, alternating order.
//   pnpm --filter @zixly/bench ingest        env RUNS=3 SECONDS=20 CONNECTIONS=50 WARMUP_SECONDS=3
import { join } from 'node:path'
import { bootstrapApiKey, probeSecurity } from '../lib/auth.ts'
import { SMALL_SWEEP } from '../lib/body.ts'
import { hammer, type LoadResult } from '../lib/load.ts'
import { envInt, note, ROOT, writeResults } from '../lib/output.ts'
import { freePort, startChild, startStack, type Child } from '../lib/stack.ts'
import { cpuMeter } from '../lib/rss.ts'
import { median, spreadPct } from '../lib/stats.ts'
import { printTable } from '../lib/table.ts'
import { createWorld } from '../lib/world.ts'

const RUNS = Math.max(1, envInt('RUNS', 3))
const SECONDS = envInt('SECONDS', 20)
const CONNECTIONS = envInt('CONNECTIONS', 50)
const WARMUP = envInt('WARMUP_SECONDS', 3)
const TENANT = 'bench'

type Side = 'zixly' | 'bare'
/** cpu_ms_per_request: CPU the receiving process spent per accepted request (robust to a busy machine). */
type Measured = LoadResult & { auth: boolean; rate_limit: boolean; cpu_ms_per_request: number }

async function measure(side: Side): Promise<Measured> {
  const world = await createWorld(`ingest${side}`)
  let bare: Child | undefined
  let stack: Awaited<ReturnType<typeof startStack>> | undefined
  try {
    const key = await bootstrapApiKey(world.pool, TENANT)
    stack = await startStack(world.env, { DEFAULT_TENANT_ID: TENANT })
    let url: string
    let pid = stack.children.find((c) => c.name === 'ingest')!.pid
    let headers: Record<string, string> = {}
    let security = { auth: false, rateLimit: false }
    if (side === 'zixly') {
      url = `${stack.ingestUrl}/webhook/trading-sweep`
      if (key) headers = { 'x-api-key': key.apiKey }
      security = await probeSecurity(stack.ingestUrl, headers, SMALL_SWEEP)
    } else {
      const port = await freePort()
      bare = await startChild('bare', {
        cwd: join(ROOT, 'bench', 'ingest'),
        entry: 'bare.ts',
        env: { ...world.env, PORT: String(port), DEFAULT_TENANT_ID: TENANT },
        readyText: '"msg":"bare ready"',
      })
      url = `http://127.0.0.1:${port}/webhook/trading-sweep`
      pid = bare.pid
    }
    const load = { url, headers, body: SMALL_SWEEP, connections: CONNECTIONS }
    if (WARMUP > 0) await hammer({ ...load, seconds: WARMUP })
    const cpu = cpuMeter([{ name: side, pid }])
    const r = await hammer({ ...load, seconds: SECONDS })
    const cpuS = cpu.stop()[side] ?? 0
    if (r.accepted === 0) throw new Error(`${side}: no request was accepted (non-2xx ${r.non2xx}, errors ${r.errors})`)
    return { ...r, auth: security.auth, rate_limit: security.rateLimit, cpu_ms_per_request: (cpuS * 1000) / r.accepted }
  } finally {
    await bare?.stop()
    await stack?.stop()
    await world.cleanup()
  }
}

// SIDES=zixly measures one side only (for profiling); the comparison needs both.
const SIDES = (process.env.SIDES ?? 'zixly,bare').split(',')
const runs: Array<{ run: number; zixly: Measured; bare: Measured }> = []
for (let run = 1; run <= RUNS; run++) {
  // Alternate which side goes first so a slow minute on the shared machine hits both.
  const order = ((run % 2 === 1 ? ['bare', 'zixly'] : ['zixly', 'bare']) as Side[]).filter((s) => SIDES.includes(s))
  const got: Partial<Record<Side, Measured>> = {}
  for (const side of order) {
    note(`run ${run}/${RUNS}: ${side} (${CONNECTIONS} connections, ${SECONDS} s)`)
    got[side] = await measure(side)
    note(`  ${side}: ${got[side].accepted_per_s.toFixed(0)} accepted/s, p99 ${got[side].p99_ms} ms`)
  }
  if (!got.zixly || !got.bare) process.exit(0)
  runs.push({ run, zixly: got.zixly, bare: got.bare })
}

const med = (side: Side, k: keyof LoadResult | 'cpu_ms_per_request') => median(runs.map((r) => r[side][k]))
const summary = {
  zixly: { accepted_per_s: med('zixly', 'accepted_per_s'), p50_ms: med('zixly', 'p50_ms'), p99_ms: med('zixly', 'p99_ms'), max_ms: med('zixly', 'max_ms'), cpu_ms_per_request: med('zixly', 'cpu_ms_per_request') },
  bare: { accepted_per_s: med('bare', 'accepted_per_s'), p50_ms: med('bare', 'p50_ms'), p99_ms: med('bare', 'p99_ms'), max_ms: med('bare', 'max_ms'), cpu_ms_per_request: med('bare', 'cpu_ms_per_request') },
  ratio: median(runs.map((r) => r.zixly.accepted_per_s / r.bare.accepted_per_s)),
  spread_pct: { zixly: spreadPct(runs.map((r) => r.zixly.accepted_per_s)), bare: spreadPct(runs.map((r) => r.bare.accepted_per_s)) },
  auth: runs.every((r) => r.zixly.auth),
  rate_limit: runs.every((r) => r.zixly.rate_limit),
}
const goals = { ratio_at_least: 0.8, p99_below_ms: 15 }
const met = { ratio: summary.ratio >= goals.ratio_at_least, p99: summary.zixly.p99_ms < goals.p99_below_ms }

printTable(
  `Ingest — ${CONNECTIONS} connections, ${SECONDS} s, median of ${RUNS} runs (auth ${summary.auth ? 'on' : 'OFF'}, rate limit ${summary.rate_limit ? 'on' : 'OFF'})`,
  ['target', 'accepted/s', 'p50 ms', 'p99 ms', 'max ms', 'spread %', 'CPU ms/request'],
  [
    ['Zixly ingest (full pipeline behind)', summary.zixly.accepted_per_s, summary.zixly.p50_ms, summary.zixly.p99_ms, summary.zixly.max_ms, summary.spread_pct.zixly, summary.zixly.cpu_ms_per_request],
    ['bare fastify + zod + JetStream publish', summary.bare.accepted_per_s, summary.bare.p50_ms, summary.bare.p99_ms, summary.bare.max_ms, summary.spread_pct.bare, summary.bare.cpu_ms_per_request],
  ],
)
console.log(
  `Zixly / bare: ${(summary.ratio * 100).toFixed(0)} % (goal ≥ 80 %: ${met.ratio ? 'met' : 'MISSED'}); ` +
    `p99 ${summary.zixly.p99_ms} ms (goal < 15 ms: ${met.p99 ? 'met' : 'MISSED'})`,
)
console.log(`JSON: ${writeResults('ingest', { settings: { RUNS, SECONDS, CONNECTIONS, WARMUP }, runs, summary, goals, met })}`)
process.exit(0)
