// Replay benchmark: appends a realistic log (sweep lifecycles across many jobs), then times full
// rebuilds (`zixly replay rebuild`'s code path) next to the raw limits measured in the same run:
// the ordered-consumer read rate of the same stream, and Postgres COPY of the rows the rebuild wrote.
// Also measures how long the projector's lag takes to return to 0 after a burst of 10,000 events.
// Usage: node --import tsx bench/replay/run.ts [--events 1000000] [--runs 3] [--bursts 3] [--keep] [--ns bench_replay_<id>]
// Each of the --runs rounds measures the ordered read, a rebuild (in its own process, like the CLI)
// and the COPY in turn; medians are reported, with CPU per event of each process involved.
// Uses its own namespace and schema and deletes them afterwards.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs, promisify } from 'node:util'
import { names } from '@zixly/contracts'
import { connectNats, connectPg, createLogger, createMetrics, deleteJetStream, ensureJetStream, quoteIdent } from '@zixly/platform'
import { buildSchemaOf, migrateReadModels, rebuild, startProjector } from '@zixly/projector'
import { append } from './log.ts'
import { ownCpuMs, processCpuMs } from './cpu.ts'

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, bursts: { type: 'string', default: '3' }, ns: { type: 'string' }, keep: { type: 'boolean', default: false } } })
const TARGET = Number(values.events)
const RUNS = Number(values.runs)
const BURSTS = Number(values.bursts)
// --ns reuses the namespace (stream and schema) of an earlier run left with --keep: its log is not appended again.
const id = values.ns?.replace(/^bench_replay_/, '') ?? randomBytes(4).toString('hex')
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

const run = promisify(execFile)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const result: Record<string, unknown> = { date: new Date().toISOString(), load_average_at_start: os.loadavg().map((x) => Math.round(x * 10) / 10), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version, events: TARGET }
try {
  const held = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.messages
  if (held >= TARGET) {
    result.appended_by_an_earlier_run = held
    log(`reusing ${held} events appended by an earlier run`)
  } else {
    const t = Date.now()
    await append(js, n, TARGET, Date.UTC(2025, 0, 1))
    result.append_events_per_s = Math.round(TARGET / ((Date.now() - t) / 1000))
    log(`appended ${TARGET} events (${String(result.append_events_per_s)}/s)`)
  }

  // Every figure below is over the events the stream holds (a reused stream holds earlier bursts too).
  const EVENTS = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.messages
  result.events = EVENTS
  /** CPU of this process, of Postgres and of nats-server while `fn` runs, in µs per event. */
  const cpuOf = async <T>(fn: () => Promise<T>): Promise<{ value: T; cpu_us_per_event: { bench: number; postgres: number; nats: number } }> => {
    const [b0, p0, n0] = [ownCpuMs(), processCpuMs('postgres'), processCpuMs('nats-server')]
    const value = await fn()
    const per = (ms: number) => Math.round((ms * 1000) / EVENTS)
    return { value, cpu_us_per_event: { bench: per(ownCpuMs() - b0), postgres: per(processCpuMs('postgres') - p0), nats: per(processCpuMs('nats-server') - n0) } }
  }

  // Raw limit 1: an ordered consumer reading (and JSON-parsing) the same stream.
  const readLimit = async () => {
    const t0 = Date.now()
    const consumer = await js.consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
    const msgs = await consumer.consume({ max_messages: 10_000 })
    let read = 0
    for await (const m of msgs) {
      m.json()
      if (++read >= EVENTS) break
    }
    await msgs.close()
    return Math.round(EVENTS / ((Date.now() - t0) / 1000))
  }
  // Raw limit 2: COPY of the same rows the rebuild wrote (server-side files), into empty copies of
  // the tables with the same indexes, in text and in binary format. The rebuild writes its bulk rows
  // in binary, which Postgres takes faster than text, so the limit is the faster of the two.
  const tables = ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']
  const copyLimit = async (format: 'text' | 'binary') => {
    let copyMs = 0
    for (const tb of tables) {
      const file = `/tmp/bench_replay_${id}_${tb}.${format}.copy`
      await pool.query(`COPY ${tb} TO '${file}' WITH (FORMAT ${format})`)
      await pool.query(`DROP TABLE IF EXISTS ${tb}_copy`)
      await pool.query(`CREATE TABLE ${tb}_copy (LIKE ${tb} INCLUDING ALL)`)
      const c0 = Date.now()
      await pool.query(`COPY ${tb}_copy FROM '${file}' WITH (FORMAT ${format})`)
      copyMs += Date.now() - c0
      await pool.query(`DROP TABLE ${tb}_copy`)
    }
    return Math.round(EVENTS / (copyMs / 1000))
  }
  // The rebuild runs in a process of its own, as `zixly replay rebuild` does: its peak RSS is its own.
  const rebuildOnce = async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./rebuild-once.ts', import.meta.url).pathname, '--ns', schema], { maxBuffer: 1 << 20 })
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { events: number; ms: number; events_per_s: number; phases_ms: unknown; node_cpu_ms: number; peak_rss_mb: number }
  }

  // Each round measures the three in turn, so the limits are taken under the same load as the rebuild.
  const runs: Array<Record<string, unknown> & { events_per_s: number; read_limit_events_per_s: number; copy_limit_events_per_s: number; peak_rss_mb: number }> = []
  for (let r = 0; r < RUNS; r++) {
    const read = await cpuOf(readLimit)
    const rb = await cpuOf(rebuildOnce)
    const copyText = await cpuOf(() => copyLimit('text'))
    const copyBinary = await cpuOf(() => copyLimit('binary'))
    const copy = copyBinary.value >= copyText.value ? copyBinary : copyText
    const load = Math.round(os.loadavg()[0]! * 10) / 10
    runs.push({
      events_per_s: rb.value.events_per_s,
      ms: rb.value.ms,
      phases_ms: rb.value.phases_ms,
      peak_rss_mb: rb.value.peak_rss_mb,
      read_limit_events_per_s: read.value,
      copy_limit_events_per_s: copy.value,
      copy_text_events_per_s: copyText.value,
      copy_binary_events_per_s: copyBinary.value,
      cpu_us_per_event: {
        rebuild: { rebuild_process: Math.round((rb.value.node_cpu_ms * 1000) / EVENTS), postgres: rb.cpu_us_per_event.postgres, nats: rb.cpu_us_per_event.nats },
        read_limit: { reader: read.cpu_us_per_event.bench, nats: read.cpu_us_per_event.nats },
        copy_text: { postgres: copyText.cpu_us_per_event.postgres },
        copy_binary: { postgres: copyBinary.cpu_us_per_event.postgres },
      },
      load_average_1m: load,
    })
    log(`round ${r + 1}: ordered read ${read.value}/s; rebuild ${rb.value.events} events in ${rb.value.ms} ms (${rb.value.events_per_s}/s, ${JSON.stringify(rb.value.phases_ms)}, peak RSS ${rb.value.peak_rss_mb} MB); COPY ${copyText.value} (text) / ${copyBinary.value} (binary) events/s; CPU µs/event ${JSON.stringify(runs.at(-1)!.cpu_us_per_event)}; load ${load}`)
  }
  result.rounds = runs
  result.rebuild_events_per_s_median = median(runs.map((r) => r.events_per_s))
  result.read_limit_events_per_s = median(runs.map((r) => r.read_limit_events_per_s))
  result.copy_limit_events_per_s = median(runs.map((r) => r.copy_limit_events_per_s))
  result.copy_text_events_per_s = median(runs.map((r) => r.copy_text_events_per_s as number))
  result.copy_binary_events_per_s = median(runs.map((r) => r.copy_binary_events_per_s as number))
  result.rebuild_peak_rss_mb = Math.max(...runs.map((r) => r.peak_rss_mb))
  const slower = Math.min(result.read_limit_events_per_s as number, result.copy_limit_events_per_s as number)
  result.rebuild_vs_slower_limit_pct = Math.round(((result.rebuild_events_per_s_median as number) / slower) * 100)
  // The same ratio within each round (the limits move with the machine's load).
  result.rebuild_vs_slower_limit_pct_per_round = runs.map((r) => Math.round((r.events_per_s / Math.min(r.read_limit_events_per_s, r.copy_limit_events_per_s)) * 100))

  // Lag after a burst of 10,000 events, with the projector running as it does in production (its
  // batch size): the time from the burst's last append acknowledged to the projector's checkpoint
  // reaching the burst's last sequence (lag 0). The burst is appended by another process, as ingest
  // and the executors append, so the projector does not share its event loop with the appender.
  // Several bursts, a few seconds apart.
  const metrics = createMetrics('projector')
  // The batch size the projector service runs with (its PROJECTOR_BATCH_SIZE, default 1000).
  const batchSize = Number(process.env.PROJECTOR_BATCH_SIZE ?? 1000)
  result.projector_batch_size = batchSize
  const projector = await startProjector({ nc, pool, names: n, logger, metrics, batchSize })
  const bursts: Array<{ append_ms: number; lag_zero_after_ms: number; lag_gauge_after: number | undefined }> = []
  try {
    for (let b = 0; b < BURSTS; b++) {
      const last = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.last_seq
      while (projector.checkpoint < last) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, 2000))
      let caughtUpAt = 0
      const watch = (async () => {
        while (projector.checkpoint < last + 10_000) await new Promise((r) => setTimeout(r, 2))
        caughtUpAt = Date.now()
      })()
      const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./burst.ts', import.meta.url).pathname, '--ns', schema, '--count', '10000', '--day', String(b)])
      const burst = JSON.parse(stdout.trim().split('\n').at(-1)!) as { started_at: number; ended_at: number }
      await watch
      bursts.push({ append_ms: burst.ended_at - burst.started_at, lag_zero_after_ms: Math.max(0, caughtUpAt - burst.ended_at), lag_gauge_after: (await metrics.projectorLag.get()).values[0]?.value })
      log(`burst ${b + 1}: 10,000 events appended in ${bursts.at(-1)!.append_ms} ms by another process; lag back to 0 ${bursts.at(-1)!.lag_zero_after_ms} ms after`)
    }
  } finally {
    await projector.stop()
  }
  result.bursts = bursts
  result.lag_zero_after_burst_ms_median = median(bursts.map((x) => x.lag_zero_after_ms))
  result.lag_zero_after_burst_ms_max = Math.max(...bursts.map((x) => x.lag_zero_after_ms))
} finally {
  if (!values.keep) {
    await deleteJetStream(nc, n).catch(() => {})
    for (const s of [schema, buildSchemaOf(schema)]) await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE`).catch(() => {})
  }
  await pool.end()
  await nc.drain()
  const { execSync } = await import('node:child_process')
  execSync(`rm -f /tmp/bench_replay_${id}_*.copy`)
}
result.load_average_at_end = os.loadavg().map((x) => Math.round(x * 10) / 10)
mkdirSync(new URL('../results/', import.meta.url), { recursive: true })
writeFileSync(new URL('../results/replay.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
