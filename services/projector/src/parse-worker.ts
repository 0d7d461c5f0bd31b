// The parsing thread of `readAheadInWorker` (reader-worker.ts): takes batches of raw messages, parses
// each (JSON, zod, upcasting, the batch projections' `prepare`) exactly as `parseMessage` does on the
// main thread, and posts the batch back in order: the messages as one JSON text (a structured clone of
// the parsed events cost the main thread several times what parsing that text does), and the buffers
// holding their prepared bytes transferred, not copied.
import { parentPort } from 'node:worker_threads'
import type { Logger } from '@zixly/platform'
import { parseMessage } from './parse.ts'
import { Bytes } from './projections/copy-rows.ts'
import { packPrepared, type ParsedBatch, type RawBatch, type WireMessage } from './reader-worker.ts'

if (!parentPort) throw new Error('parse-worker.ts runs as a worker thread')
const port = parentPort
const out = new Bytes('buffers')
const utf8 = new TextDecoder()

port.on('message', (batch: RawBatch) => {
  const parsed = []
  let start = 0
  for (let i = 0; i < batch.seqs.length; i++) {
    const end = batch.ends[i]!
    let data: unknown
    try {
      data = JSON.parse(utf8.decode(batch.data.subarray(start, end)))
    } catch {
      data = undefined // not JSON: parseMessage reports it as an unreadable event, skipped
    }
    start = end
    let warning: string | undefined
    const logger = { warn: (fields: unknown) => void (warning = (fields as { reason?: string }).reason ?? 'unreadable event') } as Pick<Logger, 'warn'>
    const m = parseMessage({ seq: batch.seqs[i]!, subject: batch.subjects[i]!, data }, logger, out)
    parsed.push({ m, warning })
  }
  const buffers = out.release()
  const index = new Map(buffers.map((b, i) => [b, i]))
  const messages: WireMessage[] = parsed.map(({ m, warning }) => ({
    seq: m.seq,
    subject: m.subject,
    event: m.event,
    ...(m.prepared ? { prepared: packPrepared(m.prepared, index) } : {}),
    ...(warning === undefined ? {} : { warning }),
  }))
  const reply: ParsedBatch = { id: batch.id, json: JSON.stringify(messages), buffers }
  port.postMessage(reply, buffers)
})
