import {
  AckPolicy,
  connect,
  DeliverPolicy,
  DiscardPolicy,
  headers as natsHeaders,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type MsgHdrs,
  type NatsConnection,
  type StreamConfig,
} from 'nats'
import { CONSUMERS, type Names } from '@zixly/contracts'
import { ConcurrencyError, DependencyUnavailable } from './errors.ts'
import { where } from './config.ts'
import { currentTraceparent, TRACEPARENT_HEADER } from './tracing.ts'

export type { JetStreamClient, JetStreamManager, NatsConnection }

/** The part of nats.js's protocol handler (2.29) that `writeOncePerTurn` replaces. */
interface ProtocolInternals {
  outbound: { length(): number; size(): number; fill(buf: Uint8Array, ...payloads: Uint8Array[]): void }
  pendingLimit: number
  flushPending(): void
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void
  close(): Promise<void>
}

const textEncoder = new TextEncoder()

/**
 * Makes the connection write what it has to send once per turn of the event loop (`setImmediate`)
 * instead of once per microtask checkpoint, which nats.js does: every await in a chain of publishes,
 * acks and requests ended in its own socket write. A write to the loopback is one of the dearest calls
 * here (20–30 % of every service's CPU in the end-to-end profile, one syscall each); this sends
 * what a whole turn produced in one. A batch past the client's limit still goes at once. Only applied
 * when the client's internals are the ones this was written against; otherwise nothing changes.
 */
export function writeOncePerTurn(nc: NatsConnection): boolean {
  const proto = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol
  if (
    !proto ||
    typeof proto.sendCommand !== 'function' ||
    typeof proto.flushPending !== 'function' ||
    typeof proto.pendingLimit !== 'number' ||
    typeof proto.close !== 'function' ||
    typeof proto.outbound?.fill !== 'function' ||
    typeof proto.outbound.length !== 'function' ||
    typeof proto.outbound.size !== 'function'
  )
    return false
  const p = proto as ProtocolInternals
  let scheduled = false
  const flush = () => {
    scheduled = false
    p.flushPending()
  }
  p.sendCommand = (cmd, ...payloads) => {
    p.outbound.fill(typeof cmd === 'string' ? textEncoder.encode(cmd) : cmd, ...payloads)
    if (p.outbound.size() >= p.pendingLimit) p.flushPending()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  // A close (unlike a drain) does not wait for the server: what this turn queued goes out first.
  const close = p.close.bind(p)
  p.close = () => {
    p.flushPending()
    return close()
  }
  return true
}

/** The parts of a nats.js (2.29) single-reply request (`RequestOne`) that `repliesWithoutCancelError` replaces. */
interface RequestOneInternals {
  ctx?: Error
  timer: { cancel(): void }
  deferred: { resolve(msg: unknown): void; reject(err: unknown): void }
  mux: { cancel(r: unknown): void }
  resolver(err: Error | null, msg: unknown): void
  cancel(err?: Error): void
}

function isRequestOne(r: unknown): r is RequestOneInternals {
  const o = r as Partial<RequestOneInternals> | null
  return (
    typeof o?.resolver === 'function' &&
    typeof o.cancel === 'function' &&
    typeof o.timer?.cancel === 'function' &&
    typeof o.deferred?.resolve === 'function' &&
    typeof o.deferred.reject === 'function' &&
    typeof o.mux?.cancel === 'function'
  )
}

/**
 * nats.js settles a request when its reply arrives and then calls its `cancel()`, which builds a
 * `NatsError` (message, code and a stack trace) only to reject a promise that is already settled,
 * where it is dropped: 2–4 % of each service's CPU in the end-to-end profile, one per request and
 * JetStream publish. This gives each single-reply request of this connection a `resolver` that does
 * what the original does — stop its timer, settle with the reply or the error, leave the request
 * table — without that error. Only applied when the internals are the ones this was written against.
 */
export function repliesWithoutCancelError(nc: NatsConnection): boolean {
  const proto = (nc as unknown as { protocol?: { request?: unknown } }).protocol
  if (!proto || typeof proto.request !== 'function') return false
  const request = (proto.request as (r: unknown) => unknown).bind(proto)
  proto.request = (r: unknown) => {
    if (isRequestOne(r)) {
      r.resolver = (err, msg) => {
        r.timer.cancel()
        if (err) {
          if (r.ctx) err.stack += `\n\n${r.ctx.stack}`
          r.deferred.reject(err)
        } else r.deferred.resolve(msg)
        r.mux.cancel(r)
      }
    }
    return request(r)
  }
  return true
}

/** Connects to NATS, or fails with one line saying where it looked. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    const nc = await connect({
      servers: url.split(','),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 3000,
      // Without this every request and publish-with-ack builds an Error up front (for the stack of a
      // timeout that rarely comes): 5–8 % of each service's CPU in the end-to-end profile. Timeouts
      // still fail with their NatsError code and message.
      noAsyncTraces: true,
    })
    writeOncePerTurn(nc)
    repliesWithoutCancelError(nc)
    return nc
  } catch (err) {
    throw new DependencyUnavailable('NATS', where(url), err)
  }
}

/**
 * Header of a RunSweep message: the stream sequence of its job's dispatch event, which is the last
 * event of the job when the command is sent. An executor may take it as the sequence its first
 * guarded append expects instead of reading the job's last event; if the job moved on, that append
 * fails and the executor reads the job as before.
 */
export const DISPATCH_SEQ_HEADER = 'Zixly-Dispatch-Seq'

/** How long the server remembers a Nats-Msg-Id to drop a retried publish. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000

/** The streams, declared as code. */
export function streamConfigs(n: Names): Array<Partial<StreamConfig> & { name: string }> {
  return [
    {
      name: n.eventsStream,
      subjects: [n.eventSubjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_msgs_per_subject: -1,
      allow_direct: true,
    },
    {
      name: n.commandsStream,
      subjects: [n.commandSubjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
  ]
}

/** Settings of the executors' pull consumer, shared by its declaration and its shell. */
export interface ExecutorConsumerSettings {
  ackWaitMs: number
  maxDeliver: number
  maxAckPending: number
}
export const DEFAULT_EXECUTOR_CONSUMER: ExecutorConsumerSettings = {
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 64,
}

/**
 * The executors' consumer settings from the environment (`EXECUTOR_ACK_WAIT_MS`,
 * `EXECUTOR_MAX_DELIVER`). Every service declares the consumer on start, so every service reads the
 * same variables: a service started without them would otherwise reset a shorter ack wait.
 */
export function executorConsumerSettings(env: Record<string, string | undefined> = process.env): ExecutorConsumerSettings {
  const int = (v: string | undefined, fallback: number, min: number) => {
    const n = v === undefined || v === '' ? NaN : Number(v)
    return Number.isInteger(n) && n >= min ? n : fallback
  }
  return {
    ackWaitMs: int(env.EXECUTOR_ACK_WAIT_MS, DEFAULT_EXECUTOR_CONSUMER.ackWaitMs, 100),
    maxDeliver: int(env.EXECUTOR_MAX_DELIVER, DEFAULT_EXECUTOR_CONSUMER.maxDeliver, 1),
    maxAckPending: DEFAULT_EXECUTOR_CONSUMER.maxAckPending,
  }
}

/** Every durable consumer, declared as code: stream name → consumer configs. */
export function consumerConfigs(
  n: Names,
  executor: ExecutorConsumerSettings = executorConsumerSettings(),
): Array<{ stream: string; config: Partial<ConsumerConfig> & { durable_name: string } }> {
  const onEvents = (durable: string, extra: Partial<ConsumerConfig> = {}) => ({
    stream: n.eventsStream,
    config: {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: n.eventSubjects,
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
      ...extra,
    },
  })
  return [
    // The orchestrator and the projector read the log in order with ordered consumers from a
    // checkpoint of their own (KV, Postgres); only order-insensitive readers use durables.
    onEvents(CONSUMERS.notifier),
    {
      stream: n.commandsStream,
      config: {
        durable_name: CONSUMERS.executor,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: n.commandSubjects,
        ack_wait: nanos(executor.ackWaitMs),
        max_deliver: executor.maxDeliver,
        max_ack_pending: executor.maxAckPending,
      },
    },
  ]
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number } }
  return e.code === '404' || e.api_error?.err_code === 10059 || e.api_error?.err_code === 10014
}

/** Creates or updates every stream and durable consumer; safe to run on every start. */
export async function ensureJetStream(
  nc: NatsConnection,
  n: Names,
  executor?: ExecutorConsumerSettings,
): Promise<JetStreamManager> {
  const jsm = await nc.jetstreamManager()
  for (const cfg of streamConfigs(n)) {
    try {
      await jsm.streams.info(cfg.name)
      await jsm.streams.update(cfg.name, cfg)
    } catch (err) {
      if (!isNotFound(err)) throw err
      await jsm.streams.add(cfg)
    }
  }
  // Small state kept by NATS itself (the orchestrator's checkpoint, leases): one KV bucket.
  await nc.jetstream().views.kv(n.kvBucket, { history: 1, storage: StorageType.File })
  for (const { stream, config } of consumerConfigs(n, executor)) {
    try {
      await jsm.consumers.info(stream, config.durable_name)
      await jsm.consumers.update(stream, config.durable_name, config)
    } catch (err) {
      if (!isNotFound(err)) throw err
      await jsm.consumers.add(stream, config)
    }
  }
  return jsm
}

/** Deletes the streams of a namespace (tests clean up with it). */
export async function deleteJetStream(nc: NatsConnection, n: Names): Promise<void> {
  const jsm = await nc.jetstreamManager()
  for (const name of [...streamConfigs(n).map((c) => c.name), `KV_${n.kvBucket}`]) {
    try {
      await jsm.streams.delete(name)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
}

export interface AppendOptions {
  /** Fail unless the subject's last message has this stream sequence (0 = the subject is empty). */
  expectedLastSubjectSeq?: number
  headers?: Record<string, string>
  timeoutMs?: number
}

/**
 * Appends one message with `Nats-Msg-Id` = its id; returns its stream sequence. The message carries
 * the trace context in a `traceparent` header: the active span's, or else its metadata's.
 */
export async function appendMessage(
  js: JetStreamClient,
  subject: string,
  message: { id: string; metadata?: { traceparent?: string | undefined } },
  opts: AppendOptions = {},
): Promise<{ seq: number; duplicate: boolean }> {
  const hdrs: MsgHdrs = natsHeaders()
  const traceparent = currentTraceparent() ?? message.metadata?.traceparent
  if (traceparent) hdrs.set(TRACEPARENT_HEADER, traceparent)
  for (const [k, v] of Object.entries(opts.headers ?? {})) hdrs.set(k, v)
  try {
    const ack = await js.publish(subject, JSON.stringify(message), {
      msgID: message.id,
      timeout: opts.timeoutMs ?? 5000,
      ...(opts.expectedLastSubjectSeq === undefined
        ? {}
        : { expect: { lastSubjectSequence: opts.expectedLastSubjectSeq } }),
      ...(hdrs.keys().length > 0 ? { headers: hdrs } : {}),
    })
    return { seq: ack.seq, duplicate: ack.duplicate }
  } catch (err) {
    const code = (err as { api_error?: { err_code?: number } }).api_error?.err_code
    if (code === 10071) throw new ConcurrencyError(`${subject}: ${(err as Error).message}`, { cause: err })
    throw err
  }
}

/** The stream sequence and payload of the last message on a subject, or null when it has none. */
export async function lastOnSubject(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<{ seq: number; data: unknown } | null> {
  try {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject })
    return { seq: m.seq, data: m.json() }
  } catch (err) {
    if (isNotFound(err) || /no message found/i.test((err as Error).message)) return null
    throw err
  }
}

/** Every message of one subject in order (an ordered consumer read to the end). */
export async function readSubject(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<Array<{ seq: number; data: unknown; time: Date }>> {
  const last = await lastOnSubject(jsm, stream, subject)
  if (!last) return []
  const consumer = await js.consumers.get(stream, { filterSubjects: subject })
  const out: Array<{ seq: number; data: unknown; time: Date }> = []
  while (out.length === 0 || out[out.length - 1]!.seq < last.seq) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 })
    let got = 0
    for await (const m of batch) {
      got++
      out.push({ seq: m.seq, data: m.json(), time: new Date(Math.floor(m.info.timestampNanos / 1e6)) })
      if (m.seq >= last.seq) break
    }
    if (got === 0) break
  }
  return out
}

/** The messages of `orderedMessages`, and how to stop them (the iteration ends at the next message the reader asks for). */
export interface PacedMessages extends AsyncIterable<JsMsg> {
  close(): Promise<void>
  /**
   * Set while reading fails: since when (ms since the epoch, the first failure since the last read
   * that went through) and the latest error. Cleared by the next message read or pull ended normally.
   */
  readonly failing: ReadFailing | undefined
}

/** Since when reading a stream has been failing, and why (the latest error). */
export interface ReadFailing {
  readonly since: number
  readonly error: unknown
}

/** A reader has failed to read its stream for longer than it may: its service cannot be ready. */
export class ReadFailingError extends Error {
  readonly code = 'READ_FAILING'
  constructor(stream: string, failing: ReadFailing, now: number) {
    super(`reading ${stream} has failed for ${Math.round((now - failing.since) / 1000)} s: ${failing.error instanceof Error ? failing.error.message : String(failing.error)}`)
    this.name = 'ReadFailingError'
  }
}

/**
 * A readiness check for a paced reader: fails once reading has failed for `graceMs` without a read
 * going through (a retry that works within the grace — a lost message read again, a server restart —
 * leaves the service ready). A reader whose consumer cannot be made at all, say because its stream is
 * gone, would otherwise retry for ever behind a green /ready.
 */
export function readCheck(messages: Pick<PacedMessages, 'failing'>, stream: string, graceMs = 10_000, now: () => number = Date.now): () => Promise<void> {
  return async () => {
    const f = messages.failing
    if (f && now() - f.since >= graceMs) throw new ReadFailingError(stream, f, now())
  }
}

/** Messages of one consumer skipped a delivery (one was lost on the way): read again from the last one seen. */
export class DeliveryGapError extends Error {
  readonly code = 'DELIVERY_GAP'
  constructor(after: number, got: number) {
    super(`delivery ${got} arrived after ${after}: a message was lost on the way; reading again from the last one seen`)
    this.name = 'DeliveryGapError'
  }
}

/**
 * A stream's messages in order from `startSeq`, as an ordered consumer reads them, fetched `batch` at
 * a time: the next pull request goes out only once the reader has taken every message of the
 * previous one, so at most `batch` messages wait in the client.
 *
 * nats.js's ordered consumer does neither well for a slow reader: its `consume()` refills its pull
 * requests as messages arrive, not as they are read, so a reader slower than the server (a rebuild,
 * a projector catching up on a long log) had the whole backlog delivered into memory — a rebuild of
 * 1,000,000 events held ~300,000 messages and ~1.5 GB of socket buffers; and its `fetch()` can drop
 * the last messages of a batch when the reader is behind (they arrive after the batch's end is
 * signalled). So this reads through an ephemeral pull consumer of its own (no acks, in memory,
 * removed when closed or after a minute unused), one fetch at a time. A delivery-sequence gap, a
 * failed fetch, a lost consumer, or a pull that ended short while the consumer says it delivered more
 * than was read (a loss at the tail, which no later message would show) starts a new consumer right
 * after the last message read, as an ordered consumer resets; `onError` hears why. A fetch that is not
 * full stays open until `expires`, so messages appended meanwhile arrive at once.
 */
export function orderedMessages(
  nc: NatsConnection,
  o: { stream: string; filterSubject: string; startSeq: number; batch: number; expires?: number; onError?: (err: unknown) => void },
): PacedMessages {
  let closed = false
  let current: { close(): Promise<void | Error> } | undefined
  let wakeUp: (() => void) | undefined
  let next = Math.max(1, o.startSeq)
  let failing: ReadFailing | undefined
  async function* messages(): AsyncGenerator<JsMsg> {
    const jsm = await nc.jetstreamManager()
    const js = nc.jetstream()
    for (let delay = 250; !closed; ) {
      let name: string | undefined
      try {
        const info = await jsm.consumers.add(o.stream, {
          ack_policy: AckPolicy.None,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: next,
          inactive_threshold: nanos(60_000),
          mem_storage: true,
          num_replicas: 1,
          filter_subject: o.filterSubject,
        })
        name = info.name
        const consumer = await js.consumers.get(o.stream, name)
        let delivered = 0
        while (!closed) {
          const batch = await consumer.fetch({ max_messages: o.batch, expires: o.expires ?? 5000 })
          current = batch
          if (closed) await batch.close()
          let got = 0
          for await (const m of batch) {
            const d = m.info.deliverySequence
            if (d !== delivered + 1) throw new DeliveryGapError(delivered, d)
            delivered = d
            next = m.seq + 1
            got++
            failing = undefined
            yield m
          }
          // A pull that ended short is where a loss at the tail would hide, as no later message shows
          // the gap: the consumer must not have delivered more than was read. (nats.js ends a fetch on
          // a timer of its own too, 1.05 × expires after it began. When the event loop was busy past
          // that time — a batch being folded, a long collection — the timer runs before the socket is
          // read: it closes the fetch's subscription, and what the pull delivered meanwhile is dropped;
          // with no acks, for good. Cancelling that timer, to end fetches on the server's end-of-pull
          // status alone, was tried: live projectors then stalled short of a burst's end in 3 of 7
          // end-to-end runs, for a reason not found. So the loss is detected here and read again.)
          if (got < o.batch && !closed) {
            const sent = (await consumer.info()).delivered.consumer_seq
            if (sent > delivered) throw new DeliveryGapError(delivered, sent)
          }
          failing = undefined
          delay = 250
        }
      } catch (err) {
        if (closed) break
        failing = { since: failing?.since ?? Date.now(), error: err }
        o.onError?.(err)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay)
          wakeUp = () => {
            clearTimeout(t)
            resolve()
          }
        })
        delay = Math.min(delay * 2, 5000)
      } finally {
        if (name) await jsm.consumers.delete(o.stream, name).catch(() => {})
      }
    }
  }
  const iterable = messages()
  return {
    [Symbol.asyncIterator]: () => iterable,
    get failing() {
      return failing
    },
    // Does not wait for the open fetch to end: it ends only once its reader has taken the message it
    // is holding, and a reader that stops on close would wait for it forever.
    async close() {
      closed = true
      wakeUp?.()
      void current?.close().catch(() => {})
      await Promise.resolve()
    },
  }
}
