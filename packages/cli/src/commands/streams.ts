import { KV_KEYS } from '@zixly/contracts'
import { readCheckpoint, projections } from '@zixly/projector'
import type { Command, CommandGroup } from '../registry.ts'
import { renderTable } from '../table.ts'

const infoCommand: Command = {
  name: 'info',
  summary: 'streams, consumers, lag, pending and redeliveries',
  usage: '',
  help: `For each stream of ZIXLY_NAMESPACE: messages, bytes, first and last sequence; for each durable
consumer: pending, waiting for ack, redelivered; and the readers that keep their own cursor (the
projector's checkpoint in Postgres, the orchestrator's in KV) with their lag behind the log.`,
  async run({ ctx }) {
    const nc = await ctx.nats()
    const jsm = await nc.jetstreamManager()
    type Consumer = { name: string; pending: number; ack_pending: number; redelivered: number; delivered_seq: number; waiting: number }
    type Stream = { name: string; consumers: Consumer[] } & (
      | { missing: true }
      | { messages: number; bytes: number; first_seq: number; last_seq: number }
    )
    const streams: Stream[] = []
    for (const name of [ctx.names.eventsStream, ctx.names.commandsStream, `KV_${ctx.names.kvBucket}`]) {
      try {
        const s = await jsm.streams.info(name)
        const consumers: Consumer[] = []
        for await (const c of jsm.consumers.list(name))
          consumers.push({
            name: c.name,
            pending: c.num_pending,
            ack_pending: c.num_ack_pending,
            redelivered: c.num_redelivered,
            delivered_seq: c.delivered.stream_seq,
            waiting: c.num_waiting,
          })
        streams.push({ name, messages: s.state.messages, bytes: s.state.bytes, first_seq: s.state.first_seq, last_seq: s.state.last_seq, consumers })
      } catch {
        streams.push({ name, missing: true, consumers: [] })
      }
    }
    const first = streams[0]
    const last = first && 'last_seq' in first ? first.last_seq : 0
    const readers: Array<{ reader: string; checkpoint: number | null; lag: number | null }> = []
    try {
      const cp = await readCheckpoint(await ctx.pg(), projections.map((p) => p.name))
      readers.push({ reader: 'projector', checkpoint: cp, lag: last - cp })
    } catch {
      readers.push({ reader: 'projector', checkpoint: null, lag: null })
    }
    try {
      const kv = await nc.jetstream().views.kv(ctx.names.kvBucket, { bindOnly: true })
      const e = await kv.get(KV_KEYS.orchestratorCheckpoint)
      const cp = e ? Number(e.string()) : 0
      readers.push({ reader: 'orchestrator', checkpoint: cp, lag: last - cp })
    } catch {
      readers.push({ reader: 'orchestrator', checkpoint: null, lag: null })
    }
    ctx.print({ streams, readers }, () => {
      const s = renderTable(
        ['stream', 'messages', 'bytes', 'first', 'last'],
        streams.map((x) => ('missing' in x ? [x.name, 'missing', '', '', ''] : [x.name, String(x.messages), String(x.bytes), String(x.first_seq), String(x.last_seq)])),
      )
      const c = renderTable(
        ['stream', 'consumer', 'pending', 'ack pending', 'redelivered', 'delivered seq'],
        streams.flatMap((x) => x.consumers.map((k) => [x.name, k.name, String(k.pending), String(k.ack_pending), String(k.redelivered), String(k.delivered_seq)])),
      )
      const r = renderTable(['reader', 'checkpoint', 'lag'], readers.map((x) => [x.reader, String(x.checkpoint ?? '?'), String(x.lag ?? '?')]))
      return `${s}\n\n${c}\n\n${r}`
    })
  },
}

export const streams: CommandGroup = { name: 'streams', summary: 'inspect streams and consumers', commands: [infoCommand] }
