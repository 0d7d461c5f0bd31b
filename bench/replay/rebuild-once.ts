// One full rebuild of a namespace's read models in a process of its own — as `zixly replay rebuild`
// runs — so its peak RSS is the rebuild's alone. Prints one JSON line. Used by run.ts.
// Usage: node --import tsx bench/replay/rebuild-once.ts --ns <namespace> [--batch n] [--threads 1|2]   (the schema has the same name)
// --threads 2 parses on a worker thread, 1 on the rebuild's own; default as `zixly replay rebuild` (2 from 4 cores up).
import { parseArgs } from 'node:util'
import { names } from '@zixly/contracts'
import { connectNats, connectPg, createLogger } from '@zixly/platform'
import { rebuild } from '@zixly/projector'
import { ownCpuMs, threadCpuMs } from './cpu.ts'

const { values } = parseArgs({ options: { ns: { type: 'string' }, batch: { type: 'string' }, threads: { type: 'string' } } })
if (!values.ns) throw new Error('--ns is required')
const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'bench-replay-rebuild')
const pool = await connectPg(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', values.ns, { max: 4 })
try {
  const cpu0 = ownCpuMs()
  const main0 = threadCpuMs(process.pid)
  const res = await rebuild({
    pool,
    nc,
    names: names(values.ns),
    schema: values.ns,
    logger: createLogger('bench', 'silent'),
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    ...(values.threads ? { parseInWorker: values.threads === '2' } : {}),
  })
  const out = {
    events: res.events,
    ms: res.ms,
    events_per_s: Math.round((res.events / res.ms) * 1000),
    phases_ms: res.phases,
    node_cpu_ms: Math.round(ownCpuMs() - cpu0),
    // The main thread alone (the rest is the parsing thread and V8's helper threads).
    main_thread_cpu_ms: Math.round(threadCpuMs(process.pid) - main0),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
} finally {
  await pool.end()
  await nc.drain()
}
