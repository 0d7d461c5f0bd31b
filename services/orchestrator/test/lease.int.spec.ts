import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { parseSweepEvent } from '@zixly/contracts'
import { readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { spawnService, type ServiceProcess } from '../../../test/support/process.ts'
import { appendSweepRequested, seedParams } from '../../../test/support/fixtures.ts'

// One active orchestrator: a lease in the KV bucket. Real processes: a standby takes over when the
// active one stops (at once: it hands the lease back) or dies (once the lease goes stale).

let env: TestEnv
const procs: ServiceProcess[] = []
beforeAll(async () => {
  env = await isolatedEnv('lease')
})
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL')
  await Promise.all(procs.map((p) => p.exited))
  await env?.cleanup()
})

const params = seedParams()
async function request(): Promise<string> {
  const jobId = randomUUID()
  await appendSweepRequested(env, jobId, params)
  return jobId
}
async function dispatches(jobId: string): Promise<number> {
  const msgs = await readSubject(
    env.nc.jetstream(),
    await env.nc.jetstreamManager(),
    env.names.eventsStream,
    env.names.eventSubject('local', jobId),
  )
  return msgs.map((m) => parseSweepEvent(m.data)).filter((e) => e.type === 'SweepDispatched').length
}
const dispatched = (jobId: string) =>
  eventually(async () => ((await dispatches(jobId)) >= 1 ? true : undefined), 10_000)

async function orchestrator(id: string): Promise<ServiceProcess> {
  const p = await spawnService('orchestrator', {
    ...env.env,
    ORCHESTRATOR_ID: id,
    LEASE_TTL_MS: '1500',
    LEASE_RENEW_MS: '300',
    MAX_CONCURRENT_SWEEPS: '100',
  })
  procs.push(p)
  return p
}
const active = (p: ServiceProcess, timeoutMs = 10_000) =>
  eventually(
    async () => (p.output().includes('"msg":"orchestrator active"') ? Date.now() : undefined),
    timeoutMs,
    25,
  )

describe('orchestrator lease', () => {
  it('keeps one orchestrator active; a standby takes over at once on a stop and within seconds of a crash', async () => {
    const a = await orchestrator('a')
    await active(a)
    const b = await orchestrator('b')
    await eventually(async () => (b.output().includes('"msg":"orchestrator standby"') ? true : undefined))
    const first = await request()
    await dispatched(first)
    await new Promise((r) => setTimeout(r, 2000))
    expect(b.output()).not.toContain('"msg":"orchestrator active"')

    // A stop hands the lease back: the standby is active well within the lease's staleness.
    const stoppedAt = Date.now()
    a.kill('SIGTERM')
    expect((await a.exited).code).toBe(0)
    expect((await active(b)) - stoppedAt).toBeLessThan(1500)
    const second = await request()
    await dispatched(second)

    // A crash leaves the lease to go stale: a new standby takes it within a few seconds.
    const c = await orchestrator('c')
    await eventually(async () => (c.output().includes('"msg":"orchestrator standby"') ? true : undefined))
    const killedAt = Date.now()
    b.kill('SIGKILL')
    await b.exited
    expect((await active(c)) - killedAt).toBeLessThan(5000)
    const third = await request()
    await dispatched(third)

    // Every job was dispatched exactly once across the three of them.
    for (const j of [first, second, third]) expect(await dispatches(j)).toBe(1)
    c.kill('SIGTERM')
    expect((await c.exited).code).toBe(0)
  })
})
