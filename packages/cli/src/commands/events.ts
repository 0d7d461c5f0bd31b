import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { RawEnvelope, SUBJECT_TOKEN } from '@zixly/contracts'
import { ensureJetStream } from '@zixly/platform'
import { z } from 'zod'
import { readLog, seqOrTime } from '../log.ts'
import { UsageError, type Command, type CommandGroup } from '../registry.ts'

/** One line of an export: where the event was in the log, and the event exactly as stored. */
const ExportLine = z.object({ seq: z.number().int(), subject: z.string(), time: z.string(), event: RawEnvelope })

const exportCommand: Command = {
  name: 'export',
  summary: 'write events to NDJSON (one {seq, subject, time, event} per line)',
  usage: '[--since <seq|time>] [--until <seq|time>] [--tenant <id>] [--out <file>]',
  help: `Reads the EVENTS stream in order from --since (default: the start) to --until (default: its end now),
optionally one tenant's subjects only, and writes each event as stored (old versions stay old) to
--out or stdout. Progress goes to stderr.`,
  options: { since: { type: 'string' }, until: { type: 'string' }, tenant: { type: 'string' }, out: { type: 'string', short: 'o' } },
  async run({ values, ctx }) {
    const tenant = values.tenant as string | undefined
    if (tenant !== undefined && !SUBJECT_TOKEN.test(tenant)) throw new UsageError('--tenant must be a tenant id')
    const since = seqOrTime(values.since as string | undefined, '--since')
    const until = seqOrTime(values.until as string | undefined, '--until')
    const nc = await ctx.nats()
    const info = await (await nc.jetstreamManager()).streams.info(ctx.names.eventsStream)
    const out = values.out ? createWriteStream(values.out as string) : ctx.stdout
    const bar = ctx.progress('export', info.state.last_seq)
    let written = 0
    await readLog(
      nc,
      {
        stream: ctx.names.eventsStream,
        filter: tenant ? ctx.names.tenantEventSubjects(tenant) : ctx.names.eventSubjects,
        ...(since && 'seq' in since ? { startSeq: since.seq } : {}),
        ...(since && 'time' in since ? { startTime: since.time } : {}),
        ...(until && 'seq' in until ? { untilSeq: until.seq } : {}),
      },
      async (m) => {
        const time = new Date(Math.floor(m.info.timestampNanos / 1e6))
        if (until && 'time' in until && time > until.time) return
        const line = `${JSON.stringify({ seq: m.seq, subject: m.subject, time: time.toISOString(), event: m.json() })}\n`
        if (!out.write(line) && 'once' in out) await once(out as NodeJS.WritableStream, 'drain')
        written++
        bar.update(m.seq)
      },
    )
    if (values.out) await new Promise<void>((r) => (out as NodeJS.WritableStream).end(() => r()))
    bar.done()
    ctx.stderr.write(`exported ${written.toLocaleString('en-US')} events\n`)
    return 0
  },
}

const importCommand: Command = {
  name: 'import',
  summary: 'append events from NDJSON (an export) into an empty EVENTS stream',
  usage: '[--in <file>]',
  help: `Appends every event of an export, in order, to this installation's EVENTS stream (subjects are
moved into ZIXLY_NAMESPACE), with Nats-Msg-Id = the event id. Refuses a stream that already holds
events, so a log is never merged into another by accident.`,
  options: { in: { type: 'string', short: 'i' } },
  async run({ values, ctx }) {
    const nc = await ctx.nats()
    const jsm = await ensureJetStream(nc, ctx.names)
    const info = await jsm.streams.info(ctx.names.eventsStream)
    if (info.state.messages > 0) {
      ctx.stderr.write(`${ctx.names.eventsStream} already holds ${info.state.messages} events; import needs an empty stream\n`)
      return 1
    }
    const js = nc.jetstream()
    const input = values.in ? createReadStream(values.in as string) : process.stdin
    const bar = ctx.progress('import', 0)
    let pending: Array<Promise<unknown>> = []
    let n = 0
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      if (text.trim() === '') continue
      const line = ExportLine.parse(JSON.parse(text))
      const subject = line.subject.replace(/^[^.]+\./, `${ctx.names.namespace}.`)
      // Publishes leave in order on one connection; acks are awaited in windows to keep it fast.
      pending.push(js.publish(subject, JSON.stringify(line.event), { msgID: line.event.id }))
      n++
      if (pending.length >= 500) {
        await Promise.all(pending)
        pending = []
        bar.update(n, n)
      }
    }
    await Promise.all(pending)
    bar.done()
    ctx.print({ imported: n, stream: ctx.names.eventsStream }, () => `imported ${n.toLocaleString('en-US')} events into ${ctx.names.eventsStream}`)
    return 0
  },
}

export const events: CommandGroup = {
  name: 'events',
  summary: 'move the event log in and out as NDJSON',
  commands: [exportCommand, importCommand],
}
