// Where a rebuild's time goes, phase by phase: fetch (ordered consumer), JSON parse, event parse
// (zod + upcast), and applyMessages per batch with the time of every SQL statement it runs.
// Usage: node --import tsx bench/replay/profile.ts [--events 50000] [--batch 5000] [--ns name] [--keep] [--bulk]
// Server CPU per statement is read from /proc for the backend's pid (Postgres on this machine).
// --ns reuses a namespace a previous --keep run left (its stream and schema), skipping the append.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { names, parseEvent } from '@zixly/contracts'
import { connectNats, connectPg, deleteJetStream, ensureJetStream, inTransaction, quoteIdent, type PoolClient } from '@zixly/platform'
import { applyMessages, migrateReadModels, type LogMessage } from '@zixly/projector'
import { deferIndexes } from '../../services/projector/src/replay/bulk.ts'
import { append } from './log.ts'

const { values } = parseArgs({ options: { events: { type: 'string', default: '50000' }, batch: { type: 'string', default: '5000' }, ns: { type: 'string' }, keep: { type: 'boolean', default: false }, bulk: { type: 'boolean', default: false } } })
const ns = values.ns ?? `bench_prof_${randomBytes(3).toString('hex')}`
const n = names(ns)
const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'bench-profile')
const pool = await connectPg(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', ns, { max: 2 })
const log = (s: string) => process.stderr.write(`${s}\n`)
let cpu0 = process.cpuUsage()
/** Wall ms since t, and the process' CPU ms since the previous call (the machine is shared: CPU time is the steadier figure). */
const ms = (t: number) => {
  const c = process.cpuUsage(cpu0)
  cpu0 = process.cpuUsage()
  return `${Math.round(performance.now() - t)} (cpu ${Math.round((c.user + c.system) / 1000)})`
}
try {
  await ensureJetStream(nc, n)
  const js = nc.jetstream()
  let total = (await (await nc.jetstreamManager()).streams.info(n.eventsStream)).state.messages
  if (total === 0) {
    const t = performance.now()
    total = await append(js, n, Number(values.events), Date.UTC(2025, 0, 1))
    log(`append ${total}: ${ms(t)} ms`)
  }
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(ns)} CASCADE`)
  await migrateReadModels(pool, ns)
  // --bulk: as a rebuild loads its build schema (secondary indexes and foreign keys deferred).
  if (values.bulk) await inTransaction(pool, (c) => deferIndexes(c, ns, ['pipeline_jobs', 'job_attempts', 'trading_sweep_results', 'job_events']))

  let t = performance.now()
  ms(t)
  const consumer = await js.consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
  const iter = await consumer.consume({ max_messages: 10_000 })
  const raw: Array<{ seq: number; subject: string; bytes: Uint8Array }> = []
  for await (const m of iter) {
    raw.push({ seq: m.seq, subject: m.subject, bytes: m.data })
    if (raw.length >= total) break
  }
  await iter.close()
  log(`fetch ${raw.length}: ${ms(t)} ms, ${Math.round(raw.reduce((s, m) => s + m.bytes.length, 0) / raw.length)} bytes/event`)
  const dec = new TextDecoder()
  t = performance.now()
  const messages: LogMessage[] = raw.map((m) => ({ seq: m.seq, subject: m.subject, data: JSON.parse(dec.decode(m.bytes)) as unknown }))
  log(`JSON.parse: ${ms(t)} ms`)
  t = performance.now()
  for (const m of messages) parseEvent(m.data)
  log(`parseEvent (zod): ${ms(t)} ms`)

  const stats = new Map<string, { n: number; ms: number; cpu: number }>()
  /** CPU ms the Postgres backend serving `pid` has used (from /proc: this machine's server only). */
  const backendCpu = (pid: number) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100
    } catch {
      return 0
    }
  }
  const timed = (c: PoolClient, pid: number): PoolClient =>
    new Proxy(c, {
      get(target, prop, recv) {
        if (prop !== 'query') return Reflect.get(target, prop, recv) as unknown
        return async (text: string | { text: string }, params?: unknown[]) => {
          const key = (typeof text === 'string' ? text : text.text).replace(/\s+/g, ' ').slice(0, 70)
          const t0 = performance.now()
          const c0 = backendCpu(pid)
          const r: unknown = await target.query(text as string, params)
          const s = stats.get(key) ?? { n: 0, ms: 0, cpu: 0 }
          s.n++
          s.ms += performance.now() - t0
          s.cpu += backendCpu(pid) - c0
          stats.set(key, s)
          return r
        }
      },
    })
  const size = Number(values.batch)
  t = performance.now()
  for (let i = 0; i < messages.length; i += size) {
    const c = await pool.connect()
    try {
      const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
      await c.query('BEGIN')
      await applyMessages(timed(c, pid), messages.slice(i, i + size))
      const t0 = performance.now()
      const c0 = backendCpu(pid)
      await c.query('COMMIT')
      const s = stats.get('COMMIT') ?? { n: 0, ms: 0, cpu: 0 }
      stats.set('COMMIT', { n: s.n + 1, ms: s.ms + performance.now() - t0, cpu: s.cpu + backendCpu(pid) - c0 })
    } finally {
      c.release()
    }
  }
  const applyMs = Math.round(performance.now() - t)
  const applyCpu = ms(t)
  log(`apply ${messages.length} in batches of ${size}: ${applyCpu} ms (${Math.round((messages.length / applyMs) * 1000)}/s)`)
  const sqlMs = [...stats.values()].reduce((s, x) => s + x.ms, 0)
  for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms))
    log(`  ${Math.round(s.ms).toString().padStart(7)} ms (server cpu ${Math.round(s.cpu).toString().padStart(6)}) ${String(s.n).padStart(5)}× ${k}`)
  log(`  ${Math.round(applyMs - sqlMs).toString().padStart(7)} ms in node (parse, fold, serialise)`)
} finally {
  if (!values.keep) {
    await deleteJetStream(nc, n).catch(() => {})
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(ns)} CASCADE`).catch(() => {})
  } else log(`kept: --ns ${ns}`)
  await pool.end()
  await nc.drain()
}
