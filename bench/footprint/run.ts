// Footprint benchmark: cold start of `npm start` (dependencies installed; streams, schema and
// credentials created from nothing, in an isolated namespace on free ports), the RSS of each service
// it runs when idle, and the peak RSS of each pipeline service under the end-to-end burst.
//   pnpm --filter @zixly/bench footprint    env RUNS=3 IDLE_SECONDS=10 LOAD_JOBS=10000
import { spawn } from 'node:child_process'
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { smallSweeps } from '../e2e/jobs.ts'
import { saturate } from '../e2e/phases.ts'
import { zixlyEnv } from '../e2e/settings.ts'
import { startZixly } from '../e2e/zixly.ts'
import { onInterrupt } from '../lib/cleanup.ts'
import { envInt, note, ROOT, writeResults } from '../lib/output.ts'
import { descendants, rssSampler, serviceRssMb } from '../lib/rss.ts'
import { freePort, startStack } from '../lib/stack.ts'
import { median } from '../lib/stats.ts'
import { printTable } from '../lib/table.ts'
import { createWorld } from '../lib/world.ts'

const RUNS = Math.max(1, envInt('RUNS', 3))
const IDLE_SECONDS = envInt('IDLE_SECONDS', 10)
const LOAD_JOBS = envInt('LOAD_JOBS', 10_000)
const IDLE_GOAL_MB = 120
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Which service a process of the `npm start` tree is, from its working directory. */
function serviceOf(pid: number): string | null {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`)
    return cwd.startsWith(ROOT) && cwd !== ROOT ? basename(cwd) : null
  } catch {
    return null
  }
}

/** One cold start: seconds until `npm start` says every service is up, then each one's idle RSS. */
async function coldStart(): Promise<{ seconds: number; services: number; idle_mb: Record<string, number> }> {
  const world = await createWorld('footprint', { prepare: false })
  const secrets = mkdtempSync(join(tmpdir(), 'zixly-bench-creds-'))
  const ports: Record<string, string> = {}
  for (const k of ['PORT', 'WEB_PORT', 'TRADING_API_PORT', 'ORCHESTRATOR_PORT', 'EXECUTOR_PORT', 'PROJECTOR_PORT', 'NOTIFIER_PORT'])
    ports[k] = String(await freePort())
  const t0 = performance.now()
  const proc = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, ...world.env, ...ports, ZIXLY_CREDENTIALS_FILE: join(secrets, 'credentials.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)))
  proc.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)))
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  const stop = async () => {
    proc.kill('SIGINT')
    const killer = setTimeout(() => proc.kill('SIGKILL'), 40_000)
    await exited
    clearTimeout(killer)
  }
  const forget = onInterrupt(stop)
  try {
    const up = await new Promise<{ seconds: number; services: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start not up within 180 s:\n${out}`)), 180_000)
      const check = () => {
        const m = /all (\d+) services are up/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve({ seconds: (performance.now() - t0) / 1000, services: Number(m[1]) })
        }
      }
      proc.stdout.on('data', check)
      void exited.then(() => reject(new Error(`npm start exited:\n${out}`)))
    })
    await sleep(IDLE_SECONDS * 1000)
    const idle_mb: Record<string, number> = {}
    for (const pid of descendants(proc.pid!)) {
      const name = serviceOf(pid)
      // The first process found in a service's folder is its top; its descendants are counted with it.
      if (name && !(name in idle_mb)) idle_mb[name] = Number(serviceRssMb(pid).toFixed(1))
    }
    return { ...up, idle_mb }
  } finally {
    forget()
    await stop()
    rmSync(secrets, { recursive: true, force: true })
    await world.cleanup()
  }
}

/** Idle RSS of the pipeline services started by the bench's own launcher (when `npm start` fails). */
async function idleOfStack(): Promise<Record<string, number>> {
  const world = await createWorld('footidle')
  const stack = await startStack(world.env)
  try {
    await sleep(IDLE_SECONDS * 1000)
    return Object.fromEntries(stack.children.map((c) => [c.name, Number(serviceRssMb(c.pid).toFixed(1))]))
  } finally {
    await stack.stop()
    await world.cleanup()
  }
}

const starts: Array<Awaited<ReturnType<typeof coldStart>>> = []
const failures: string[] = []
for (let run = 1; run <= RUNS; run++) {
  note(`cold start ${run}/${RUNS}`)
  try {
    starts.push(await coldStart())
    note(`  up in ${starts.at(-1)!.seconds.toFixed(1)} s; idle ${JSON.stringify(starts.at(-1)!.idle_mb)}`)
  } catch (err) {
    // Reported, not hidden: the table then says the cold start did not complete.
    failures.push((err as Error).message.split('\n').slice(0, 6).join(' | '))
    note(`  npm start did not come up: ${failures.at(-1)}`)
  }
}
if (starts.length === 0) {
  note('no cold start completed; idle RSS from the pipeline services started one by one instead')
  starts.push({ seconds: Number.NaN, services: 0, idle_mb: await idleOfStack() })
}

let peak: Record<string, number> = {}
if (LOAD_JOBS > 0) {
  note(`under load: ${LOAD_JOBS} small sweeps as fast as accepted`)
  const target = await startZixly(zixlyEnv())
  try {
    const sampler = rssSampler(target.processes)
    await saturate(target, smallSweeps(LOAD_JOBS, 9), { inflight: 50 })
    peak = sampler.stop()
  } finally {
    await target.stop()
  }
}

const names = [...new Set(starts.flatMap((s) => Object.keys(s.idle_mb)))].sort()
const idle = Object.fromEntries(names.map((n) => [n, median(starts.map((s) => s.idle_mb[n] ?? 0))]))
const summary = {
  cold_start_s: median(starts.map((s) => s.seconds)),
  cold_start_failures: failures,
  idle_mb: idle,
  peak_under_load_mb: peak,
  all_idle_below_goal: Object.values(idle).every((mb) => mb < IDLE_GOAL_MB),
}
printTable(
  `Footprint — npm start cold start median of ${RUNS}: ${summary.cold_start_s.toFixed(1)} s; RSS idle after ${IDLE_SECONDS} s, and peak under ${LOAD_JOBS.toLocaleString('en-US')} sweeps`,
  ['service', 'idle MB', `peak under load MB`, `idle < ${IDLE_GOAL_MB} MB`],
  names.map((n) => [n, idle[n], peak[n] ?? null, (idle[n] ?? 0) < IDLE_GOAL_MB ? 'yes' : 'NO']),
)
console.log(`every service idle below ${IDLE_GOAL_MB} MB: ${summary.all_idle_below_goal ? 'met' : 'MISSED'}`)
console.log(`JSON: ${writeResults('footprint', { settings: { RUNS, IDLE_SECONDS, LOAD_JOBS, zixly: zixlyEnv() }, starts, summary })}`)
process.exit(0)
