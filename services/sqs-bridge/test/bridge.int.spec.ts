import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs'
import { parseEvent } from '@zixly/contracts'
import { idempotencyStore, submitSweep, type SubmitDeps } from '@zixly/ingest'
import { createMarketData } from '@zixly/market-data'
import { createLogger, createMetrics, DependencyUnavailable } from '@zixly/platform'
import { startFauxqs, type FauxqsServer } from 'fauxqs'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { spawnService } from '../../../test/support/process.ts'
import { makeSqsBridge, type BridgeDeps } from '../src/bridge.ts'

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

let env: TestEnv
let fq: FauxqsServer
let sqs: SQSClient
let submitDeps: SubmitDeps
const logs: Array<Record<string, unknown>> = []
const logger = createLogger('sqs-bridge', 'info', {
  write: (l: string) => void logs.push(JSON.parse(l) as Record<string, unknown>),
})
let queue = { url: '', dlq: '' }
let n = 0

beforeAll(async () => {
  env = await isolatedEnv('sqsbridge')
  fq = await startFauxqs({ port: 0, logger: false })
  sqs = new SQSClient({
    endpoint: fq.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    useQueueUrlAsEndpoint: false,
  })
  const marketData = createMarketData()
  submitDeps = {
    js: env.nc.jetstream(),
    jsm: await env.nc.jetstreamManager(),
    names: env.names,
    idempotency: idempotencyStore(env.redis, env.namespace, 86_400),
    metrics: createMetrics('sqs-bridge'),
    now: () => new Date(),
    knownTicker: (t, i) => marketData.has(t, i),
  }
})
afterAll(async () => {
  sqs?.destroy()
  await fq?.stop()
  await env?.cleanup()
})

/** A fresh queue with a dead-letter queue (RedrivePolicy, as infra/terraform/modules/queue makes it). */
async function freshQueue(visibility = 1) {
  const name = `sweeps-${++n}`
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!
  const url = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(visibility),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`,
            maxReceiveCount: '5',
          }),
        },
      }),
    )
  ).QueueUrl!
  queue = { url, dlq }
  return queue
}

function bridge(over: Partial<BridgeDeps> = {}) {
  return makeSqsBridge({
    sqs,
    queueUrl: queue.url,
    tenantId: 'local',
    submit: (input) => submitSweep(submitDeps, input),
    logger,
    waitTimeSeconds: 1,
    retryBaseSeconds: 1,
    ...over,
  })
}

async function send(body: string, attributes: Record<string, string> = {}) {
  const r = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.url,
      MessageBody: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  )
  return r.MessageId!
}

async function depth(url: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  )
  return (
    Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  )
}

async function receive(url: string, wait = 1): Promise<Message[]> {
  const r = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: wait,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  )
  return r.Messages ?? []
}

/** Every SweepRequested in the log whose idempotency key is `key`. */
async function jobsWithKey(key: string) {
  return (await allRequested()).filter((e) => e.idempotency_key === key)
}

/** Every SweepRequested in the log (each one is a job). */
async function allRequested() {
  const consumer = await env.nc
    .jetstream()
    .consumers.get(env.names.eventsStream, { filterSubjects: env.names.tenantEventSubjects('local') })
  const info = await consumer.info()
  const out: Array<{ job_id: string; idempotency_key?: string | undefined }> = []
  if (info.num_pending === 0) return out
  const batch = await consumer.fetch({ max_messages: info.num_pending, expires: 2000 })
  for await (const m of batch) {
    const e = parseEvent(m.json())
    if (e.type === 'SweepRequested') out.push(e.data)
    if (m.info.pending === 0) break
  }
  return out
}

describe('SQS ingress (fauxqs, an SQS API server in-process)', () => {
  it('issue 8, acceptance 5: turns an SQS message into exactly one job and deletes it after the append', async () => {
    await freshQueue()
    const before = (await allRequested()).length
    const running = bridge().start()
    try {
      const id = await send(JSON.stringify(seed))
      const jobs = await eventually(async () => {
        const j = await jobsWithKey(`sqs:${id}`)
        return j.length > 0 && (await depth(queue.url)) === 0 ? j : undefined
      })
      expect(jobs).toHaveLength(1)
      expect((await allRequested()).length).toBe(before + 1)
    } finally {
      await running.stop()
    }
  })

  it('a message received again after the bridge died between append and delete becomes no second job', async () => {
    await freshQueue()
    const before = (await allRequested()).length
    const id = await send(JSON.stringify({ ...seed, strategy_type: 'EMA' }))
    // First receive: the append succeeds, then the process "dies": neither delete nor anything after it happens.
    const dying = bridge({
      sqs: {
        send: ((cmd: { constructor: { name: string } }) =>
          cmd.constructor.name === 'DeleteMessageCommand' ||
          cmd.constructor.name === 'ChangeMessageVisibilityCommand'
            ? Promise.reject(new Error('process died'))
            : sqs.send(cmd as never)) as SQSClient['send'],
      },
    })
    const [first] = await receive(queue.url)
    expect(await dying.handle(first!)).toBe('retry')
    expect(await jobsWithKey(`sqs:${id}`)).toHaveLength(1)

    // SQS delivers it again once its visibility timeout (1 s) passes; a healthy bridge replays and deletes it.
    const again = await eventually(async () => {
      const m = await receive(queue.url)
      return m.length > 0 ? m : undefined
    })
    expect(again[0]!.MessageId).toBe(id)
    expect(await bridge().handle(again[0]!)).toBe('replayed')
    expect(await jobsWithKey(`sqs:${id}`)).toHaveLength(1)
    expect((await allRequested()).length).toBe(before + 1)
    expect(await depth(queue.url)).toBe(0)
  })

  it("two messages with the producer's same Idempotency-Key are one job", async () => {
    await freshQueue()
    const before = (await allRequested()).length
    const b = bridge()
    await send(JSON.stringify(seed), { 'Idempotency-Key': 'order-42' })
    await send(JSON.stringify(seed), { 'Idempotency-Key': 'order-42' })
    const results: string[] = []
    await eventually(async () => {
      for (const m of await receive(queue.url)) results.push(await b.handle(m))
      return results.length === 2 ? true : undefined
    })
    expect(results.sort()).toEqual(['accepted', 'replayed'])
    expect(await jobsWithKey('order-42')).toHaveLength(1)
    expect((await allRequested()).length).toBe(before + 1)
    expect(await depth(queue.url)).toBe(0)
  })

  it('sends invalid messages to the dead-letter queue with the reason, appends nothing, and deletes them', async () => {
    await freshQueue()
    const running = bridge().start()
    try {
      const before = (await allRequested()).length
      const bad = await send(JSON.stringify({ ...seed, fast_range: [30, 40], step: 0 }), { source: 'crm' })
      const unknown = await send(JSON.stringify({ ...seed, ticker: 'NOPE-USD' }))
      const garbage = await send('ticker=BTC-USD')
      const dead = new Map<string, Message>()
      await eventually(async () => {
        for (const m of await receive(queue.dlq))
          dead.set(m.MessageAttributes?.['zixly-source-message-id']?.StringValue ?? '', m)
        return dead.size === 3 && (await depth(queue.url)) === 0 ? true : undefined
      }, 15_000)
      const attr = (id: string, name: string) => dead.get(id)?.MessageAttributes?.[name]?.StringValue
      expect(attr(bad, 'zixly-error-code')).toBe('VALIDATION_FAILED')
      expect(attr(bad, 'zixly-error-reason')).toMatch(/fast_range/)
      expect(attr(bad, 'zixly-error-reason')).toMatch(/step/)
      expect(attr(bad, 'source')).toBe('crm')
      expect(dead.get(bad)!.Body).toBe(JSON.stringify({ ...seed, fast_range: [30, 40], step: 0 }))
      expect(attr(unknown, 'zixly-error-reason')).toMatch(/unknown ticker "NOPE-USD"/)
      expect(attr(garbage, 'zixly-error-code')).toBe('INVALID_JSON')
      expect((await allRequested()).length).toBe(before)
    } finally {
      await running.stop()
    }
  })

  it('leaves a message in the queue when the append fails for a passing reason, and makes the job on a later receive', async () => {
    await freshQueue()
    let failures = 0
    const running = bridge({
      submit: async (input) => {
        if (failures++ === 0)
          throw new DependencyUnavailable('NATS', '127.0.0.1:4222', new Error('connection refused'))
        return submitSweep(submitDeps, input)
      },
    }).start()
    try {
      const id = await send(JSON.stringify({ ...seed, strategy_type: 'MACD' }))
      await eventually(
        async () =>
          (await jobsWithKey(`sqs:${id}`)).length === 1 && (await depth(queue.url)) === 0 ? true : undefined,
        15_000,
      )
      expect(failures).toBe(2)
      expect(await receive(queue.dlq, 0)).toHaveLength(0)
      expect(
        logs.some(
          (l) => l.msg === 'sqs message not processed; SQS will deliver it again' && l.message_id === id,
        ),
      ).toBe(true)
    } finally {
      await running.stop()
    }
  })

  it('runs as its own process, finding the dead-letter queue from the RedrivePolicy', async () => {
    await freshQueue()
    const proc = await spawnService(
      'sqs-bridge',
      {
        ...env.env,
        SQS_BRIDGE_PORT: '0',
        SQS_ENDPOINT: fq.address,
        SQS_QUEUE_URL: queue.url,
        SQS_WAIT_SECONDS: '1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      },
      60_000,
    )
    try {
      expect(proc.output()).toContain(queue.dlq.split('/').pop()!)
      const id = await send(JSON.stringify(seed))
      await eventually(
        async () =>
          (await jobsWithKey(`sqs:${id}`)).length === 1 && (await depth(queue.url)) === 0 ? true : undefined,
        15_000,
      )
    } finally {
      proc.kill('SIGTERM')
      expect((await proc.exited).code).toBe(0)
    }
  })
})
