import { names } from '@zixly/contracts'
import { connectNats, connectPg } from '@zixly/platform'
import { rebuild } from '@zixly/projector'
const ns = process.argv[2]!
const nc = await connectNats('nats://127.0.0.1:4222', 'x')
const pool = await connectPg('postgres://postgres@127.0.0.1:5432/test', ns, { max: 4 })
for (let i = 0; i < Number(process.argv[3] ?? 1); i++) {
  const c0 = process.cpuUsage()
  const r = await rebuild({ pool, nc, names: names(ns), schema: ns, ...(process.argv[4] ? { batchSize: Number(process.argv[4]) } : {}) })
  const c = process.cpuUsage(c0)
  console.log(JSON.stringify({ ...r, rate: Math.round((r.events / r.ms) * 1000), node_cpu_ms: Math.round((c.user + c.system) / 1000) }))
}
await pool.end(); await nc.drain()
