// Replay benchmark: appends a realistic log (sweep lifecycles across many jobs), then times full
// rebuilds (`zixly replay rebuild`'s code path) next to the raw limits measured in the same run:
// the ordered-consumer read rate of the same stream, and Postgres COPY of the rows the rebuild wrote.
// Also measures how long the projector's lag takes to return to 0 after a burst of 10,000 events.
// Usage: node --import tsx bench/replay/run.ts [--events 1000000] [--runs 3]
// Each of the --runs rounds measures the ordered read, a rebuild and the COPY in turn; medians are reported.
// Uses its own namespace and schema and deletes them afterwards.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { names } from '@zixly/contracts'
import { connectNats, connectPg, createLogger, createMetrics, deleteJetStream, ensureJetStream, quoteIdent } from '@zixly/platform'
import { buildSchemaOf, migrateReadModels, rebuild, startProjector } from '@zixly/projector'
import { append } from './log.ts'

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } })
const TARGET = Number(values.events)
const RUNS = Number(values.runs)
const id = randomBytes(4).toString('hex')
const n = names(`bench_replay_${id}`)
const schema = `bench_replay_${id}`
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'bench-replay')
await ensureJetStream(nc, n)
const pool = await connectPg(url, schema, { max: 4 })
await migrateReadModels(pool, schema)
const js = nc.jetstream()
const logger = createLogger('bench', 'silent')
const log = (s: string) => process.stderr.write(`${s}\n`)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const result: Record<string, unknown> = { date: new Date().toISOString(), load_average_at_start: os.loadavg().map((x) => Math.round(x * 10) / 10), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version, events: TARGET }
try {
  let t = Date.now()
  await append(js, n, TARGET, Date.UTC(2025, 0, 1))
  result.append_events_per_s = Math.round(TARGET / ((Date.now() - t) / 1000))
  log(`appended ${TARGET} events (${String(result.append_events_per_s)}/s)`)

  // Raw limit 1: an ordered consumer reading (and JSON-parsing) the same stream.
  const readLimit = async () => {
    const t0 = Date.now()
    const consumer = await js.consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
    const msgs = await consumer.consume({ max_messages: 10_000 })
    let read = 0
    for await (const m of msgs) {
      m.json()
      if (++read >= TARGET) break
    }
    await msgs.close()
    return Math.round(TARGET / ((Date.now() - t0) / 1000))
  }
  // Raw limit 2: COPY of the same rows the rebuild wrote (server-side files), into empty copies of
  // the tables with the same indexes.
  const tables = ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']
  const copyLimit = async () => {
    let copyMs = 0
    for (const tb of tables) {
      const file = `/tmp/bench_replay_${id}_${tb}.copy`
      await pool.query(`COPY ${tb} TO '${file}'`)
      await pool.query(`DROP TABLE IF EXISTS ${tb}_copy`)
      await pool.query(`CREATE TABLE ${tb}_copy (LIKE ${tb} INCLUDING ALL)`)
      const c0 = Date.now()
      await pool.query(`COPY ${tb}_copy FROM '${file}'`)
      copyMs += Date.now() - c0
      await pool.query(`DROP TABLE ${tb}_copy`)
    }
    return Math.round(TARGET / (copyMs / 1000))
  }

  // Each round measures the three in turn, so the limits are taken under the same load as the rebuild.
  const runs: Array<{ ms: number; events_per_s: number; read_limit_events_per_s: number; copy_limit_events_per_s: number }> = []
  for (let r = 0; r < RUNS; r++) {
    const readRate = await readLimit()
    const res = await rebuild({ pool, nc, names: n, schema, logger })
    const copyRate = await copyLimit()
    runs.push({ ms: res.ms, events_per_s: Math.round((res.events / res.ms) * 1000), read_limit_events_per_s: readRate, copy_limit_events_per_s: copyRate })
    log(`round ${r + 1}: ordered read ${readRate}/s; rebuild ${res.events} events in ${res.ms} ms (${runs.at(-1)!.events_per_s}/s); COPY ${copyRate} events/s; load ${os.loadavg()[0]!.toFixed(1)}`)
  }
  result.rounds = runs
  result.rebuild_events_per_s_median = median(runs.map((r) => r.events_per_s))
  result.read_limit_events_per_s = median(runs.map((r) => r.read_limit_events_per_s))
  result.copy_limit_events_per_s = median(runs.map((r) => r.copy_limit_events_per_s))
  result.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024)
  const slower = Math.min(result.read_limit_events_per_s as number, result.copy_limit_events_per_s as number)
  result.rebuild_vs_slower_limit_pct = Math.round(((result.rebuild_events_per_s_median as number) / slower) * 100)

  // Lag after a burst of 10,000 events, with the projector running.
  const metrics = createMetrics('projector')
  const projector = await startProjector({ nc, pool, names: n, logger, metrics })
  const last = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.last_seq
  await append(js, n, 10_000, Date.UTC(2026, 0, 1))
  const burstEnd = Date.now()
  while (projector.checkpoint < last + 10_000) await new Promise((r) => setTimeout(r, 5))
  result.lag_zero_after_burst_ms = Date.now() - burstEnd
  result.lag_gauge_after_burst = (await metrics.projectorLag.get()).values[0]?.value
  await projector.stop()
  log(`lag back to 0 ${String(result.lag_zero_after_burst_ms)} ms after a 10,000-event burst`)
} finally {
  await deleteJetStream(nc, n).catch(() => {})
  for (const s of [schema, buildSchemaOf(schema)]) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`).catch(() => {})
  await pool.end()
  await nc.drain()
  const { execSync } = await import('node:child_process')
  execSync(`rm -f /tmp/bench_replay_${id}_*.copy`)
}
result.load_average_at_end = os.loadavg().map((x) => Math.round(x * 10) / 10)
writeFileSync(new URL('../results/replay.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
