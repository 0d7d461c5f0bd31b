import { describe, expect, it } from 'vitest'
import { selectForDispatch, type Candidate } from '../src/admission/select.ts'
import { slotUnits } from '../src/admission/weight.ts'
import { dispatch, reconcile, type Output } from '../src/sweep/decide.ts'
import { holdsSlot, isTerminal } from '../src/sweep/state.ts'
import type { World } from '../src/world.ts'
import { attemptFailed, completed, config, dispatchSwitch, eventsOf, jobId, requested, Saga, started, T0 } from './scenario.ts'

/**
 * The decision round as a scan of every open job (what `World.plan` did before it kept indexes):
 * reconcile each job, then `selectForDispatch` over every dispatchable one. The indexed `plan` must
 * decide exactly the same, in the same order.
 */
function scanPlan(world: World, now: number, cfg: typeof config): Output[] {
  const outputs: Output[] = []
  const byTenant = new Map<string, number>()
  let total = 0
  const candidates: Candidate[] = []
  for (const [id, job] of world.jobs) {
    if (isTerminal(job)) continue
    const units = slotUnits(job.params, cfg.limits.slotPairs)
    if (holdsSlot(job)) {
      total += units
      byTenant.set(job.tenantId, (byTenant.get(job.tenantId) ?? 0) + units)
    }
    const due = reconcile(job, { now, config: cfg })
    if (due.length > 0) {
      outputs.push(...due)
      continue
    }
    if (job.status === 'queued' || (job.status === 'waiting' && job.readyAt <= now))
      candidates.push({ jobId: id, tenantId: job.tenantId, priority: job.params.priority, readyAt: job.readyAt, queuedSeq: job.queuedSeq, units })
  }
  const picked = selectForDispatch({ candidates, running: { total, byTenant }, control: world.control, limits: cfg.limits, lastTenant: world.lastTenant })
  for (const c of picked) outputs.push(dispatch(world.jobs.get(c.jobId)!, { now, config: cfg }))
  return outputs
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('World.plan with its indexes', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`decides what a scan of every open job decides (random history, seed ${seed})`, () => {
      const rnd = prng(seed)
      // Odd seeds weigh jobs by their pairs (3 or 8 here), so some take a share of a slot.
      const slotPairs = seed % 2 === 1 ? [8, 16, 32][seed % 3]! : undefined
      const limits = { global: 1 + Math.floor(rnd() * 5), perTenant: 1 + Math.floor(rnd() * 3) }
      const cfg = { ...config, attemptTimeoutMs: 20_000, limits: slotPairs === undefined ? limits : { ...limits, slotPairs } }
      const saga = new Saga(cfg)
      const tenants = ['a', 'b', 'c']
      let now = T0
      let n = 0
      for (let step = 0; step < 400; step++) {
        const r = rnd()
        if (r < 0.4) {
          const tenant = tenants[Math.floor(rnd() * tenants.length)]!
          const step = rnd() < 0.5 ? 5 : 10
          saga.given(requested(jobId(++n), { tenant, priority: [1, 5, 9][Math.floor(rnd() * 3)]!, at: now, step }))
        } else if (r < 0.75) {
          const running = [...saga.world.jobs.values()].filter((j) => j.status === 'dispatched' || j.status === 'running')
          const job = running[Math.floor(rnd() * running.length)]
          if (job) {
            const x = rnd()
            if (job.status === 'dispatched' && x < 0.3) saga.given(started(job.attempt, job.jobId, job.tenantId))
            else if (x < 0.8) saga.given(completed(job.attempt, job.jobId, job.tenantId))
            else saga.given(attemptFailed(job.attempt, { retryable: rnd() < 0.7 }, job.jobId, job.tenantId))
          }
        } else if (r < 0.8) {
          const tenant = rnd() < 0.3 ? null : tenants[Math.floor(rnd() * tenants.length)]!
          saga.given(dispatchSwitch(rnd() < 0.5 ? 'DispatchPaused' : 'DispatchResumed', tenant, now))
        } else now += Math.floor(rnd() * 15_000)
        // A round, as the shell runs it: decide, record, until nothing more is due now.
        for (let i = 0; i < 50; i++) {
          const expected = scanPlan(saga.world, now, cfg)
          const got = saga.at(now)
          expect(got).toEqual(expected)
          if (eventsOf(got).length === 0) break
          saga.record(got, now)
        }
      }
      expect(n).toBeGreaterThan(50)
    })
  }
})
