// Replay benchmark: appends a realistic log (sweep lifecycles across many jobs), then times full
// rebuilds (`zixly replay rebuild`'s code path) next to the raw limits measured in the same run:
// the ordered-consumer read rate of the same stream, and Postgres COPY of the rows the rebuild wrote.
// Also measures how long the projector's lag takes to return to 0 after a burst of 10,000 events.
// Usage: node --import tsx bench/replay/run.ts [--events 1000000] [--runs 3]
// Uses its own namespace and schema and deletes them afterwards.
import { randomBytes, randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { names, type SweepEvent, type SweepResultRow } from '@zixly/contracts'
import { connectNats, connectPg, createLogger, createMetrics, deleteJetStream, ensureJetStream, quoteIdent } from '@zixly/platform'
import { buildSchemaOf, migrateReadModels, rebuild, startProjector } from '@zixly/projector'

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

const row = (f: number, s: number): SweepResultRow => ({
  fast_period: f, slow_period: s, score: (f * 7 + s) % 13 / 5, sharpe_ratio: 1.1, sortino_ratio: 1.5, calmar_ratio: 0.7,
  total_return_pct: 120.5, annualized_return: 12.25, max_drawdown_pct: 33.3, max_drawdown_duration: '120 days', win_rate_pct: 45,
  profit_factor: 1.4, expectancy_per_trade: 3.2, total_trades: 60, total_closed_trades: 59, trades_per_month: 0.9,
  avg_trade_duration: '12.5 days', beats_bnh_pct: -10.5, rank_for_ticker: null,
})

/** One job's life: requested, dispatched, started, 5 progress, 3 result chunks of 10 rows, completed; every 10th fails once first. */
function job(i: number, t0: number): SweepEvent[] {
  const jobId = randomUUID()
  let k = 0
  const meta = () => ({ tenantId: `tenant${i % 20}`, correlationId: jobId, causationId: `c${k}`, occurredAt: new Date(t0 + 1000 * k++).toISOString() })
  const params = { ticker: i % 2 ? 'BTC-USD' : 'ETH-USD', strategy_type: 'SMA' as const, fast_range: [5, 14] as [number, number], slow_range: [20, 40] as [number, number], step: 1, min_trades: 50, signal_period: 9, interval: '1d' as const, fee: 0.001, init_cash: 1000, priority: 5, max_attempts: 3 }
  const out: SweepEvent[] = [{ id: `SweepRequested:${jobId}`, type: 'SweepRequested', version: 2, data: { job_id: jobId, params }, metadata: meta() }]
  const attempt = (a: number, fail: boolean) => {
    out.push({ id: `SweepDispatched:${jobId}:${a}`, type: 'SweepDispatched', version: 1, data: { job_id: jobId, attempt: a, command_id: `RunSweep:${jobId}:${a}` }, metadata: meta() })
    out.push({ id: `SweepStarted:${jobId}:${a}:1`, type: 'SweepStarted', version: 1, data: { job_id: jobId, attempt: a, executor_id: 'x1', combinations: 30, bars: 3000 }, metadata: meta() })
    if (fail) {
      out.push({ id: `SweepAttemptFailed:${jobId}:${a}`, type: 'SweepAttemptFailed', version: 1, data: { job_id: jobId, attempt: a, error: { code: 'TRADING_API_UNAVAILABLE', message: 'refused', retryable: true } }, metadata: meta() })
      return
    }
    for (let p = 1; p <= 5; p++) out.push({ id: `SweepProgressed:${jobId}:${a}:${p}`, type: 'SweepProgressed', version: 1, data: { job_id: jobId, attempt: a, done: p * 6, total: 30 }, metadata: meta() })
    for (let c = 0; c < 3; c++)
      out.push({ id: `SweepResultsRecorded:${jobId}:${a}:${c}`, type: 'SweepResultsRecorded', version: 1, data: { job_id: jobId, attempt: a, chunk: c, chunks: 3, rows: Array.from({ length: 10 }, (_, r) => row(5 + c * 3 + (r % 3), 20 + r)) }, metadata: meta() })
    out.push({ id: `SweepCompleted:${jobId}:${a}:1`, type: 'SweepCompleted', version: 1, data: { job_id: jobId, attempt: a, total_combinations: 30, ranked_combinations: 30, result_chunks: 3, best: row(5, 20), bnh_return_pct: 130, bars: 3000, duration_ms: 2000, results_uri: null }, metadata: meta() })
  }
  if (i % 10 === 0) attempt(1, true)
  attempt(i % 10 === 0 ? 2 : 1, false)
  return out
}

async function append(count: number, t0: number): Promise<number> {
  let appended = 0
  let pending: Array<Promise<unknown>> = []
  for (let i = 0; appended < count; i++) {
    for (const e of job(i, t0 + i * 60_000)) {
      if (appended >= count) break
      pending.push(js.publish(n.eventSubject(e.metadata.tenantId, e.data.job_id), JSON.stringify(e), { msgID: e.id }))
      appended++
      if (pending.length >= 2000) {
        await Promise.all(pending)
        pending = []
      }
    }
  }
  await Promise.all(pending)
  return appended
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const result: Record<string, unknown> = { date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version, events: TARGET }
try {
  let t = Date.now()
  await append(TARGET, Date.UTC(2025, 0, 1))
  result.append_events_per_s = Math.round(TARGET / ((Date.now() - t) / 1000))
  log(`appended ${TARGET} events (${String(result.append_events_per_s)}/s)`)

  // Raw limit 1: an ordered consumer reading (and JSON-parsing) the same stream.
  t = Date.now()
  const consumer = await js.consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
  const msgs = await consumer.consume({ max_messages: 10_000 })
  let read = 0
  for await (const m of msgs) {
    m.json()
    if (++read >= TARGET) break
  }
  await msgs.close()
  result.read_limit_events_per_s = Math.round(TARGET / ((Date.now() - t) / 1000))
  log(`ordered consumer read: ${String(result.read_limit_events_per_s)}/s`)

  const runs: Array<{ ms: number; events_per_s: number }> = []
  for (let r = 0; r < RUNS; r++) {
    const res = await rebuild({ pool, nc, names: n, schema, batchSize: 5000, logger })
    runs.push({ ms: res.ms, events_per_s: Math.round((res.events / res.ms) * 1000) })
    log(`rebuild ${r + 1}: ${res.events} events in ${res.ms} ms (${runs.at(-1)!.events_per_s}/s)`)
  }
  result.rebuild_runs = runs
  result.rebuild_events_per_s_median = median(runs.map((r) => r.events_per_s))
  result.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024)

  // Raw limit 2: COPY of the same rows the rebuild wrote, into empty copies of the tables.
  const tables = ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']
  let copyMs = 0
  for (const tb of tables) {
    const file = `/tmp/bench_replay_${id}_${tb}.copy`
    await pool.query(`COPY ${tb} TO '${file}'`)
    await pool.query(`CREATE TABLE ${tb}_copy (LIKE ${tb} INCLUDING ALL)`)
    const c0 = Date.now()
    await pool.query(`COPY ${tb}_copy FROM '${file}'`)
    copyMs += Date.now() - c0
  }
  result.copy_limit_events_per_s = Math.round(TARGET / (copyMs / 1000))
  const slower = Math.min(result.read_limit_events_per_s as number, result.copy_limit_events_per_s as number)
  result.rebuild_vs_slower_limit_pct = Math.round(((result.rebuild_events_per_s_median as number) / slower) * 100)
  log(`COPY of the same rows: ${String(result.copy_limit_events_per_s)} events/s`)

  // Lag after a burst of 10,000 events, with the projector running.
  const metrics = createMetrics('projector')
  const projector = await startProjector({ nc, pool, names: n, logger, metrics, batchSize: 5000 })
  const last = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.last_seq
  await append(10_000, Date.UTC(2026, 0, 1))
  const burstEnd = Date.now()
  while (projector.checkpoint < last + 10_000) await new Promise((r) => setTimeout(r, 5))
  result.lag_zero_after_burst_ms = Date.now() - burstEnd
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
writeFileSync(new URL('../results/replay.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
