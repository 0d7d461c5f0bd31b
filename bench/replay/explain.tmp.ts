import { names, parseEvent } from '@zixly/contracts'
import { connectNats, connectPg } from '@zixly/platform'
import { migrateReadModels } from '@zixly/projector'
import { jobsProjection } from '../../services/projector/src/projections/jobs.ts'
import { isJobEvent, type Positioned } from '../../services/projector/src/projections/types.ts'
const ns = process.argv[2]!
const n = names(ns)
const nc = await connectNats('nats://127.0.0.1:4222', 'x')
const pool = await connectPg('postgres://postgres@127.0.0.1:5432/test', 'hperf_y', { max: 1 })
await pool.query('DROP SCHEMA IF EXISTS hperf_y CASCADE')
await migrateReadModels(pool, 'hperf_y')
for (const sql of process.argv.slice(3)) await pool.query(sql)
const consumer = await nc.jetstream().consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
const it = await consumer.consume({ max_messages: 5000 })
const run: Positioned[] = []
for await (const m of it) { const e = parseEvent(m.json()); if (isJobEvent(e)) run.push({ event: e, seq: m.seq }); if (run.length >= 5000) break }
await it.close()
const c = await pool.connect()
await c.query('BEGIN')
const stmts = jobsProjection.write(run, [[], []])
for (const s of stmts) {
  const t0 = performance.now()
  const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS off) ${s.text}`, [...s.values])
  console.log(Math.round(performance.now() - t0), 'ms', s.text.slice(0, 40), (s.values as string[]).reduce((a, v) => a + String(v).length, 0), 'chars')
  const m = /SELECT \* FROM (unnest\(.*\)) ON CONFLICT/s.exec(s.text)
  if (m) { const t1 = performance.now(); const q = await c.query(`EXPLAIN ANALYZE SELECT count(*) FROM ${m[1]}`, [...s.values]); console.log('   unnest only:', Math.round(performance.now() - t1), 'ms', q.rows.at(-1)['QUERY PLAN']) }
  console.log(r.rows.map((x: Record<string, string>) => '   ' + x['QUERY PLAN']).join('\n'))
}
await c.query('ROLLBACK')
c.release(); await pool.query('DROP SCHEMA IF EXISTS hperf_y CASCADE'); await pool.end(); await nc.drain()
