import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { KV_KEYS, parseEvent, SweepParams, type SweepEvent } from '@zixly/contracts'
import { appendMessage } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startOrchestrator } from '../src/index.ts'

let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('orch')
})
afterAll(async () => {
  await env?.cleanup()
})

const params = SweepParams.parse({
  ticker: 'BTC-USD', strategy_type: 'SMA', fast_range: [10, 20], slow_range: [20, 30], step: 5, min_trades: 50,
  signal_period: 9, interval: '1d', fee: 0.001, init_cash: 1000, priority: 5, max_attempts: 3,
})

async function request(jobId: string) {
  const e: SweepEvent = {
    id: `SweepRequested:${jobId}`, type: 'SweepRequested', version: 2, data: { job_id: jobId, params },
    metadata: { tenantId: 'local', correlationId: jobId, causationId: 'test', occurredAt: new Date().toISOString() },
  }
  await appendMessage(env.nc.jetstream(), env.names.eventSubject('local', jobId), e, { expectedLastSubjectSeq: 0 })
}

async function typesOf(jobId: string): Promise<string[]> {
  const jsm = await env.nc.jetstreamManager()
  const info = await jsm.streams.info(env.names.eventsStream)
  const out: string[] = []
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(env.names.eventsStream, { seq })
    const e = parseEvent(m.json())
    if (e.data.job_id === jobId) out.push(e.type)
  }
  return out
}

async function commandCount(): Promise<number> {
  const jsm = await env.nc.jetstreamManager()
  return (await jsm.streams.info(env.names.commandsStream)).state.messages
}

describe('orchestrator', () => {
  it('dispatches each requested job once and sends one RunSweep per attempt', async () => {
    const orch = await startOrchestrator({ nc: env.nc, names: env.names, logger: env.logger })
    const jobs = Array.from({ length: 20 }, () => randomUUID())
    for (const j of jobs) await request(j)
    await eventually(async () => ((await commandCount()) === 20 ? true : undefined))
    await orch.stop()
    for (const j of jobs.slice(0, 3)) expect(await typesOf(j)).toEqual(['SweepRequested', 'SweepDispatched'])
  })

  it('resumes after a restart from its checkpoint without deciding old events again', async () => {
    const kv = await env.nc.jetstream().views.kv(env.names.kvBucket)
    const saved = Number((await kv.get(KV_KEYS.orchestratorCheckpoint))!.string())
    expect(saved).toBeGreaterThan(0)
    const before = await commandCount()
    const orch = await startOrchestrator({ nc: env.nc, names: env.names, logger: env.logger })
    const late = randomUUID()
    await request(late)
    await eventually(async () => ((await typesOf(late)).includes('SweepDispatched') ? true : undefined))
    await orch.stop()
    expect(await commandCount()).toBe(before + 1)
    expect(orch.states.open).toBe(21)
  })
})
