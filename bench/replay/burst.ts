// Appends one burst of events to a namespace's log from a process of its own — as ingest and the
// executors would, not from the projector's process — and prints when the last append was
// acknowledged (epoch ms). Used by run.ts to time the projector's lag after a burst.
// Usage: node --import tsx bench/replay/burst.ts --ns <namespace> [--count 10000] [--day 0]
import { parseArgs } from 'node:util'
import { names } from '@zixly/contracts'
import { connectNats } from '@zixly/platform'
import { append } from './log.ts'

const { values } = parseArgs({ options: { ns: { type: 'string' }, count: { type: 'string', default: '10000' }, day: { type: 'string', default: '0' } } })
if (!values.ns) throw new Error('--ns is required')
const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'bench-replay-burst')
try {
  const t0 = Date.now()
  const count = await append(nc.jetstream(), names(values.ns), Number(values.count), Date.UTC(2026, 0, 1 + Number(values.day)))
  process.stdout.write(`${JSON.stringify({ count, started_at: t0, ended_at: Date.now() })}\n`)
} finally {
  await nc.drain()
}
