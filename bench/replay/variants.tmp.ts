import { readFileSync } from 'node:fs'
import { names, parseEvent, RESULT_FIELDS } from '@zixly/contracts'
import { connectNats, connectPg } from '@zixly/platform'
import { jobsProjection } from '../../services/projector/src/projections/jobs.ts'
import { isJobEvent, type Positioned } from '../../services/projector/src/projections/types.ts'
const n = names(process.argv[2]!)
const nc = await connectNats('nats://127.0.0.1:4222', 'x')
const pool = await connectPg('postgres://postgres@127.0.0.1:5432/test', process.argv[2]!, { max: 1 })
const consumer = await nc.jetstream().consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
const it = await consumer.consume({ max_messages: 10000 })
const run: Positioned[] = []
for await (const m of it) { const e = parseEvent(m.json()); if (isJobEvent(e)) run.push({ event: e, seq: m.seq }); if (run.length >= 10000) break }
await it.close(); await nc.drain()
const c = await pool.connect()
const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
const cpuOf = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10 }
await c.query('CREATE TEMP TABLE IF NOT EXISTS r_target (LIKE trading_sweep_results INCLUDING DEFAULTS)')
await c.query('ALTER TABLE r_target ADD PRIMARY KEY (job_id, fast_period, slow_period)')
const stmt = jobsProjection.write(run, [[], []]).find((s) => s.text.includes('trading_sweep_results'))!
// json variant
const rows: unknown[] = []
for (const { event: e } of run) if (e.type === 'SweepResultsRecorded') for (const r of e.data.rows) rows.push({ ...r, job_id: e.data.job_id, tenant_id: e.metadata.tenantId, ticker: 'BTC-USD', strategy_type: 'SMA', attempt: e.data.attempt })
const cols = ['job_id', 'tenant_id', 'ticker', 'strategy_type', 'attempt', ...RESULT_FIELDS]
const types: Record<string, string> = { job_id: 'uuid', tenant_id: 'text', ticker: 'text', strategy_type: 'text', attempt: 'int', fast_period: 'int', slow_period: 'int', total_trades: 'int', total_closed_trades: 'int', rank_for_ticker: 'int', max_drawdown_duration: 'text', avg_trade_duration: 'text' }
const def = cols.map((c) => `${c} ${types[c] ?? 'float8'}`).join(', ')
let t = performance.now(); const jsonText = JSON.stringify(rows); console.log('JSON.stringify', rows.length, 'rows', Math.round(performance.now() - t), 'ms', jsonText.length, 'chars')
const variants: Record<string, { text: string; values: unknown[] }> = {
  unnest: { text: stmt.text.replace('trading_sweep_results', 'r_target'), values: [...stmt.values] },
  json: { text: `INSERT INTO r_target (${cols.join(', ')}) SELECT * FROM json_to_recordset($1::json) AS r(${def}) ON CONFLICT DO NOTHING`, values: [jsonText] },
  jsonb: { text: `INSERT INTO r_target (${cols.join(', ')}) SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${def}) ON CONFLICT DO NOTHING`, values: [jsonText] },
}
for (let rep = 0; rep < 3; rep++)
  for (const [k, v] of Object.entries(variants).filter(([k]) => k === 'unnest')) {
    await c.query('BEGIN')
    if (process.env.WM) await c.query(`SET LOCAL work_mem = '${process.env.WM}'`)
    const c0 = cpuOf(); t = performance.now()
    const r = await c.query(v.text, v.values)
    console.log(k.padEnd(8), r.rowCount, 'rows', Math.round(performance.now() - t), 'ms wall, server cpu', cpuOf() - c0)
    await c.query('ROLLBACK')
  }
c.release(); await pool.end()
