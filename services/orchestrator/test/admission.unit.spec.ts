import { describe, expect, it } from 'vitest'
import { selectForDispatch, type Candidate } from '../src/admission/select.ts'
import { initialControl } from '../src/admission/control.ts'
import {
  attemptFailed,
  completed,
  config,
  dispatchedJobs,
  dispatchSwitch,
  jobId,
  requested,
  Saga,
  started,
  T0,
} from './scenario.ts'

const one = { ...config, limits: { global: 1, perTenant: 1 } }

/** A saga with one slot, taken by job 0 of tenant `a`, and `queued` more requests behind it. */
function busy(queued: Array<{ n: number; tenant: string; priority?: number }>, cfg = one) {
  const saga = new Saga(cfg).given(requested(jobId(0), { tenant: 'a' }))
  saga.record(saga.at(T0))
  saga.given(started(1, jobId(0), 'a'))
  queued.forEach((q, i) =>
    saga.given(requested(jobId(q.n), { tenant: q.tenant, priority: q.priority ?? 5, at: T0 + i + 1 })),
  )
  return saga
}

describe('admission', () => {
  it('never has more attempts dispatched than the global limit', () => {
    const saga = new Saga({ ...config, limits: { global: 3, perTenant: 10 } })
    const out = saga.when(requested(jobId(1)))
    saga.record(out)
    for (let n = 2; n <= 6; n++) saga.record(saga.when(requested(jobId(n), { at: T0 + n })))
    expect(saga.at(T0 + 10)).toEqual([])
    expect([...saga.world.jobs.values()].filter((j) => j.status === 'dispatched')).toHaveLength(3)
  })

  it('never has more attempts of one tenant dispatched than the per-tenant limit, and fills the rest with others', () => {
    const saga = new Saga({ ...config, limits: { global: 4, perTenant: 2 } })
    for (let n = 1; n <= 4; n++) saga.given(requested(jobId(n), { tenant: 'a', at: T0 + n }))
    saga.given(requested(jobId(9), { tenant: 'b', at: T0 + 9 }))
    const picked = dispatchedJobs(saga.at(T0 + 10))
    expect(picked.sort()).toEqual([jobId(1), jobId(2), jobId(9)].sort())
  })

  it('counts slots by pairs: four 3-pair sweeps share one slot; a whole-slot sweep waits for a whole free slot', () => {
    // step 10 over the seed's ranges: 3 pairs, a quarter of a 12-pair slot; step 5: 8 pairs, two thirds → 3 quarters.
    const saga = new Saga({ ...config, limits: { global: 2, perTenant: 2, slotPairs: 12 } })
    for (let n = 1; n <= 6; n++) saga.given(requested(jobId(n), { at: T0 + n, step: 10 }))
    expect(dispatchedJobs(saga.at(T0 + 10))).toEqual([1, 2, 3, 4, 5, 6].map(jobId))
    saga.record(saga.at(T0 + 10))
    // 6 quarters of 8 in use: a 3-quarter sweep does not fit, and the small one behind it does not pass it.
    saga.given(requested(jobId(7), { at: T0 + 11, step: 5 }), requested(jobId(8), { at: T0 + 12, step: 10 }))
    expect(saga.at(T0 + 20)).toEqual([])
    expect(dispatchedJobs(saga.when(completed(1, jobId(1)), T0 + 30))).toEqual([jobId(7)])
  })

  it('without slotPairs every sweep takes a whole slot, whatever its size', () => {
    const saga = new Saga({ ...config, limits: { global: 2, perTenant: 2 } })
    for (let n = 1; n <= 4; n++) saga.given(requested(jobId(n), { at: T0 + n, step: 10 }))
    expect(dispatchedJobs(saga.at(T0 + 10))).toEqual([jobId(1), jobId(2)])
  })

  it('counts a tenant’s limit in shares of a slot too, and fills the rest with other tenants', () => {
    const saga = new Saga({ ...config, limits: { global: 2, perTenant: 1, slotPairs: 12 } })
    for (let n = 1; n <= 6; n++) saga.given(requested(jobId(n), { tenant: 'a', at: T0 + n, step: 10 }))
    saga.given(requested(jobId(9), { tenant: 'b', at: T0 + 9, step: 10 }))
    expect(dispatchedJobs(saga.at(T0 + 10)).sort()).toEqual([1, 2, 3, 4, 9].map(jobId).sort())
  })

  it('frees the slot when the attempt completes, and dispatches the next queued job', () => {
    const saga = busy([{ n: 1, tenant: 'a' }])
    expect(saga.at(T0 + 5)).toEqual([])
    expect(dispatchedJobs(saga.when(completed(1, jobId(0), 'a')))).toEqual([jobId(1)])
  })

  it('frees the slot when an attempt fails, while its retry waits', () => {
    const saga = busy([{ n: 1, tenant: 'a' }])
    const out = saga.when(attemptFailed(1, {}, jobId(0), 'a'))
    expect(dispatchedJobs(out)).toEqual([jobId(1)])
  })

  it('dispatches the highest priority first, even behind 500 older jobs', () => {
    const queued = Array.from({ length: 500 }, (_, i) => ({ n: i + 1, tenant: 'a' }))
    const saga = busy([...queued, { n: 999, tenant: 'a', priority: 9 }])
    expect(dispatchedJobs(saga.when(completed(1, jobId(0), 'a')))).toEqual([jobId(999)])
  })

  it('serves a tenant with one queued job next, however many another tenant has queued', () => {
    const queued = Array.from({ length: 1000 }, (_, i) => ({ n: i + 1, tenant: 'a' }))
    const saga = busy([...queued, { n: 5000, tenant: 'b' }])
    expect(dispatchedJobs(saga.when(completed(1, jobId(0), 'a')))).toEqual([jobId(5000)])
  })

  it('takes turns between tenants of equal priority, first come first served within each', () => {
    const saga = busy([
      { n: 1, tenant: 'a' },
      { n: 2, tenant: 'a' },
      { n: 3, tenant: 'a' },
      { n: 4, tenant: 'b' },
      { n: 5, tenant: 'b' },
      { n: 6, tenant: 'c' },
    ])
    const order: string[] = []
    let running = jobId(0)
    let tenant = 'a'
    for (let i = 0; i < 6; i++) {
      const out = saga.when(completed(1, running, tenant), T0 + 100 + i)
      const [next] = dispatchedJobs(out)
      order.push(next!)
      saga.record(out)
      running = next!
      tenant = saga.world.jobs.get(next!)!.tenantId
    }
    expect(order).toEqual([jobId(4), jobId(6), jobId(1), jobId(5), jobId(2), jobId(3)])
  })

  it('continues the round-robin where the log left it after a restart', () => {
    const input = (lastTenant: string | null) => ({
      candidates: ['a', 'b', 'c'].map<Candidate>((t, i) => ({
        jobId: jobId(i),
        tenantId: t,
        priority: 5,
        readyAt: T0,
        queuedSeq: i,
      })),
      running: { total: 0, byTenant: new Map() },
      control: initialControl(),
      limits: { global: 1, perTenant: 1 },
      lastTenant,
    })
    expect(selectForDispatch(input(null)).map((c) => c.tenantId)).toEqual(['a'])
    expect(selectForDispatch(input('a')).map((c) => c.tenantId)).toEqual(['b'])
    expect(selectForDispatch(input('c')).map((c) => c.tenantId)).toEqual(['a'])
    // The tenant served last is folded in from the log's dispatches.
    const saga = new Saga(one).given(requested(jobId(1), { tenant: 'b' }))
    saga.record(saga.at(T0))
    expect(saga.world.lastTenant).toBe('b')
  })

  it('holds every queued job while dispatch is paused, lets running ones finish, and dispatches on resume', () => {
    const saga = busy(
      [
        { n: 1, tenant: 'a' },
        { n: 2, tenant: 'b' },
      ],
      { ...config, limits: { global: 5, perTenant: 5 } },
    )
    saga.given(dispatchSwitch('DispatchPaused', null))
    expect(saga.at(T0 + 10)).toEqual([])
    expect(saga.when(started(1, jobId(0), 'a'))).toEqual([])
    expect(saga.when(completed(1, jobId(0), 'a'))).toEqual([])
    expect(saga.when(requested(jobId(3), { tenant: 'c' }))).toEqual([])
    expect(dispatchedJobs(saga.when(dispatchSwitch('DispatchResumed', null))).sort()).toEqual(
      [jobId(1), jobId(2), jobId(3)].sort(),
    )
  })

  it('holds only the paused tenant’s jobs; a global resume does not undo a tenant’s pause', () => {
    const saga = new Saga({ ...config, limits: { global: 5, perTenant: 5 } })
    saga.given(
      dispatchSwitch('DispatchPaused', 'a'),
      requested(jobId(1), { tenant: 'a' }),
      requested(jobId(2), { tenant: 'b' }),
    )
    expect(dispatchedJobs(saga.at(T0))).toEqual([jobId(2)])
    saga.record(saga.at(T0))
    saga.given(dispatchSwitch('DispatchPaused', null))
    expect(saga.when(dispatchSwitch('DispatchResumed', null))).toEqual([])
    expect(dispatchedJobs(saga.when(dispatchSwitch('DispatchResumed', 'a')))).toEqual([jobId(1)])
  })

  it('keeps a due retry waiting for a slot like any queued job', () => {
    const saga = busy([{ n: 1, tenant: 'a' }], { ...config, limits: { global: 1, perTenant: 1 } })
    saga.record(saga.when(attemptFailed(1, {}, jobId(0), 'a'), T0 + 10)) // job 1 takes the slot; job 0 waits
    expect(saga.world.jobs.get(jobId(0))!.status).toBe('waiting')
    expect(saga.at(T0 + 60_000)).toEqual([])
    expect(dispatchedJobs(saga.when(completed(1, jobId(1), 'a'), T0 + 60_000))).toEqual([jobId(0)])
  })
})
