import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { KV_KEYS, parseSweepEvent, type SweepEvent, type SweepParams } from '@zixly/contracts'
import { appendMessage, ensureJetStream, lastOnSubject, readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startOrchestrator } from '../src/index.ts'
import { appendSweepRequested, seedParams, testMetadata } from '../../../test/support/fixtures.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('orch')
  // Short ack wait and two deliveries, so the max-deliveries advisory comes quickly.
  await ensureJetStream(env.nc, env.names, { ackWaitMs: 400, maxDeliver: 2, maxAckPending: 64 })
})
afterAll(async () => {
  await env?.cleanup()
})

const params = seedParams
const js = () => env.nc.jetstream()
const subject = (jobId: string) => env.names.eventSubject('local', jobId)
const meta = (jobId: string) => testMetadata(jobId)

async function request(jobId: string, over: Partial<SweepParams> = {}) {
  await appendSweepRequested(env, jobId, params(over))
}

/** Appends as an executor would: guarded by the subject's current end. */
async function report(jobId: string, event: (attempt: number) => SweepEvent) {
  const jsm = await env.nc.jetstreamManager()
  const last = await lastOnSubject(jsm, env.names.eventsStream, subject(jobId))
  const attempt = (await history(jobId)).filter((e) => e.type === 'SweepDispatched').length
  await appendMessage(js(), subject(jobId), event(attempt), { expectedLastSubjectSeq: last!.seq })
}
const completed =
  (jobId: string) =>
  (attempt: number): SweepEvent => ({
    id: `SweepCompleted:${jobId}:${attempt}`,
    type: 'SweepCompleted',
    version: 1,
    data: {
      job_id: jobId,
      attempt,
      total_combinations: 0,
      ranked_combinations: 0,
      result_chunks: 0,
      best: null,
      bnh_return_pct: 0,
      bars: 0,
      duration_ms: 1,
      results_uri: null,
    },
    metadata: meta(jobId),
  })
const failedAttempt =
  (jobId: string) =>
  (attempt: number): SweepEvent => ({
    id: `SweepAttemptFailed:${jobId}:${attempt}`,
    type: 'SweepAttemptFailed',
    version: 1,
    data: { job_id: jobId, attempt, error: { code: 'BOOM', message: 'boom', retryable: true } },
    metadata: meta(jobId),
  })

async function history(jobId: string): Promise<SweepEvent[]> {
  const msgs = await readSubject(
    js(),
    await env.nc.jetstreamManager(),
    env.names.eventsStream,
    subject(jobId),
  )
  return msgs.map((m) => parseSweepEvent(m.data))
}
const typesOf = async (jobId: string) => (await history(jobId)).map((e) => e.type)
const commandCount = async () =>
  (await (await env.nc.jetstreamManager()).streams.info(env.names.commandsStream)).state.messages
const purgeCommands = async () => (await env.nc.jetstreamManager()).streams.purge(env.names.commandsStream)
const start = (over: Parameters<typeof startOrchestrator>[0]['config'] = {}) =>
  startOrchestrator({
    nc: env.nc,
    names: env.names,
    logger: env.logger,
    config: { limits: { global: 4, perTenant: 4 }, ...over },
  })

describe('orchestrator', () => {
  it('dispatches no more jobs than the global limit, and the next one as soon as a slot frees', async () => {
    const orch = await start()
    const jobs = Array.from({ length: 10 }, () => randomUUID())
    for (const j of jobs) await request(j)
    await eventually(async () => ((await commandCount()) === 4 ? true : undefined))
    await new Promise((r) => setTimeout(r, 300))
    expect(await commandCount()).toBe(4)
    expect(await typesOf(jobs[4]!)).toEqual(['SweepRequested'])
    await report(jobs[0]!, completed(jobs[0]!))
    await eventually(async () => ((await commandCount()) === 5 ? true : undefined))
    expect(await typesOf(jobs[4]!)).toEqual(['SweepRequested', 'SweepDispatched'])
    // Finish them all, each once it is dispatched.
    for (const j of jobs.slice(1)) {
      await eventually(async () => ((await typesOf(j)).includes('SweepDispatched') ? true : undefined))
      await report(j, completed(j))
    }
    // The last completion is folded in asynchronously: wait for it rather than racing it.
    await eventually(async () => (orch.world.openJobs === 0 ? true : undefined))
    await orch.stop()
    await purgeCommands()
    expect(orch.world.openJobs).toBe(0)
  })

  it('resumes after a restart from its checkpoint without deciding old events again', async () => {
    const kv = await js().views.kv(env.names.kvBucket)
    expect(Number((await kv.get(KV_KEYS.orchestratorCheckpoint))!.string())).toBeGreaterThan(0)
    await purgeCommands()
    const orch = await start()
    const late = randomUUID()
    await request(late)
    await eventually(async () => ((await typesOf(late)).includes('SweepDispatched') ? true : undefined))
    await orch.stop()
    // Only the new job was dispatched: the finished ones were folded in, not decided on again.
    expect(await commandCount()).toBe(1)
    expect(orch.world.jobs.size).toBe(11)
    expect(orch.world.openJobs).toBe(1)
    await report(late, completed(late))
    await purgeCommands()
  })

  it('keeps a scheduled retry across a restart and dispatches it once due, not before', async () => {
    const retry = { baseMs: 1500, capMs: 1500 }
    let orch = await start({ retry })
    const job = randomUUID()
    await request(job)
    await eventually(async () => ((await typesOf(job)).includes('SweepDispatched') ? true : undefined))
    await report(job, failedAttempt(job))
    const scheduled = await eventually(async () =>
      (await history(job)).find((e) => e.type === 'SweepRetryScheduled'),
    )
    await orch.stop()
    orch = await start({ retry })
    const due = scheduled.type === 'SweepRetryScheduled' ? Date.parse(scheduled.data.due_at) : 0
    const second = await eventually(
      async () => (await history(job)).find((e) => e.type === 'SweepDispatched' && e.data.attempt === 2),
      5000,
    )
    expect(Date.parse(second.metadata.occurredAt)).toBeGreaterThanOrEqual(due)
    await orch.stop()
    expect(await typesOf(job)).toEqual([
      'SweepRequested',
      'SweepDispatched',
      'SweepAttemptFailed',
      'SweepRetryScheduled',
      'SweepDispatched',
    ])
    await report(job, completed(job))
    await purgeCommands()
  })

  it('records the timeout of an attempt that reports nothing by its deadline, then retries it', async () => {
    const orch = await start({ timeoutGraceMs: 100, retry: { baseMs: 50, capMs: 50 } })
    const job = randomUUID()
    await request(job, { timeout_seconds: 1 })
    await eventually(
      async () =>
        (await typesOf(job)).filter((t) => t === 'SweepDispatched').length === 2 ? true : undefined,
      6000,
    )
    const events = await history(job)
    expect(events.map((e) => e.type)).toEqual([
      'SweepRequested',
      'SweepDispatched',
      'SweepAttemptFailed',
      'SweepRetryScheduled',
      'SweepDispatched',
    ])
    expect(events[2]).toMatchObject({ data: { attempt: 1, error: { code: 'ATTEMPT_TIMEOUT' } } })
    await orch.stop()
    await report(job, completed(job))
    await purgeCommands()
  })

  it('dead-letters a command JetStream gave up on, fails that attempt and removes the command', async () => {
    const orch = await start()
    const job = randomUUID()
    await request(job, { max_attempts: 1 })
    await eventually(async () => ((await commandCount()) === 1 ? true : undefined))
    // An executor that takes the command and never answers, twice.
    const consumer = await js().consumers.get(env.names.commandsStream, 'executor')
    for (let i = 0; i < 2; i++) expect(await consumer.next({ expires: 2000 })).not.toBeNull()
    // The server gives up (and advises) when it would deliver a third time, to a waiting pull.
    expect(await consumer.next({ expires: 1500 })).toBeNull()
    const failed = await eventually(
      async () => (await history(job)).find((e) => e.type === 'SweepFailed'),
      8000,
    )
    expect(await typesOf(job)).toEqual([
      'SweepRequested',
      'SweepDispatched',
      'SweepCommandDeadLettered',
      'SweepFailed',
    ])
    expect(failed).toMatchObject({
      data: { errors: [{ code: 'MAX_DELIVERIES_EXCEEDED', retryable: false }] },
    })
    await eventually(async () => ((await commandCount()) === 0 ? true : undefined))
    await orch.stop()
  })
})
