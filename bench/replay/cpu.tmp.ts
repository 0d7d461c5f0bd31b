import { names, parseEvent } from '@zixly/contracts'
import { connectNats } from '@zixly/platform'
import { jobsProjection } from '../../services/projector/src/projections/jobs.ts'
import { isJobEvent, type Positioned } from '../../services/projector/src/projections/types.ts'
const n = names(process.argv[2]!)
const nc = await connectNats('nats://127.0.0.1:4222', 'x')
const consumer = await nc.jetstream().consumers.get(n.eventsStream, { filterSubjects: n.eventSubjects })
const it = await consumer.consume({ max_messages: 10000 })
const raw: Uint8Array[] = []
for await (const m of it) { raw.push(m.data); if (raw.length >= 50000) break }
await it.close(); await nc.drain()
const dec = new TextDecoder()
const cpu = (label: string, fn: () => void) => {
  const c0 = process.cpuUsage(); const t0 = performance.now(); fn(); const c = process.cpuUsage(c0)
  console.log(label.padEnd(24), 'cpu', Math.round((c.user + c.system) / 1000), 'ms  wall', Math.round(performance.now() - t0), 'ms')
}
const REPS = Number(process.env.REPS ?? 3)
for (let rep = 0; rep < REPS; rep++) {
  let json: unknown[] = []
  let run: Positioned[] = []
  cpu('decode+JSON.parse', () => { json = raw.map((b) => JSON.parse(dec.decode(b))) })
  cpu('parseEvent', () => { run = json.map((d, i) => ({ event: parseEvent(d), seq: i + 1 })).filter((p): p is Positioned => isJobEvent(p.event)) })
  for (let k = 0; k < Number(process.env.WREPS ?? 1); k++) cpu('write (fold+serialise)', () => { for (let i = 0; i < run.length; i += 10000) jobsProjection.write(run.slice(i, i + 10000), [[], []]) })
}
