import { isSweepEvent, type LogEvent } from '@zixly/contracts'
import { evolveControl, initialControl, type DispatchControl } from './admission/control.ts'
import { selectForDispatch, type Candidate } from './admission/select.ts'
import { dispatch, reconcile, wakeAt, type DecideContext, type Output } from './sweep/decide.ts'
import { evolve, holdsSlot, initialState, isTerminal, type Job } from './sweep/state.ts'

/**
 * Everything the orchestrator knows, rebuilt from the log: each job's state (folded by the pure
 * `evolve`), the dispatch switches, and the tenant served last (where round-robin continues). It is
 * a mutable index — a map of immutable job states plus the set of jobs not yet finished, so a
 * decision round looks only at open jobs — while every rule it applies is a pure function.
 */
export class World {
  readonly jobs = new Map<string, Job>()
  private readonly open = new Set<string>()
  control: DispatchControl = initialControl()
  lastTenant: string | null = null

  /** Folds an event at `seq` in; returns the job's state after it (null for a control event). */
  apply(event: LogEvent, seq: number): Job | null {
    if (!isSweepEvent(event)) {
      this.control = evolveControl(this.control, event)
      return null
    }
    const id = event.data.job_id
    const before = this.jobs.get(id)
    const after = evolve(before ?? initialState(), event, seq)
    if (after.status === 'initial') return null
    this.jobs.set(id, after)
    if (isTerminal(after)) this.open.delete(id)
    else this.open.add(id)
    if (
      event.type === 'SweepDispatched' &&
      after.status === 'dispatched' &&
      before?.attempt !== after.attempt
    )
      this.lastTenant = after.tenantId
    return after
  }

  /** Whether an event at `seq` for this job was already folded in (the orchestrator's own append). */
  seen(jobId: string, seq: number): boolean {
    const job = this.jobs.get(jobId)
    return job !== undefined && seq <= job.lastSeq
  }

  get openJobs(): number {
    return this.open.size
  }

  /**
   * One decision round at `ctx.now`: what every open job's state calls for (timeouts, retries,
   * failures), then which queued jobs get the free slots. Jobs in `skip` (a guarded append just found
   * newer events for them) wait until those events are folded in. Also says when to look again.
   */
  plan(
    ctx: DecideContext,
    skip: ReadonlySet<string> = new Set(),
  ): { outputs: Output[]; wakeAt: number | null } {
    const outputs: Output[] = []
    const byTenant = new Map<string, number>()
    let total = 0
    let wake: number | null = null
    const candidates: Candidate[] = []
    for (const id of this.open) {
      const job = this.jobs.get(id)!
      if (holdsSlot(job)) {
        total++
        byTenant.set(job.tenantId, (byTenant.get(job.tenantId) ?? 0) + 1)
      }
      if (skip.has(id)) continue
      const due = reconcile(job, ctx)
      if (due.length > 0) {
        outputs.push(...due)
        continue
      }
      if (job.status === 'queued' || (job.status === 'waiting' && job.readyAt <= ctx.now))
        candidates.push({
          jobId: id,
          tenantId: job.tenantId,
          priority: job.params.priority,
          readyAt: job.readyAt,
          queuedSeq: job.queuedSeq,
        })
      const w = wakeAt(job, ctx.config)
      if (w !== null && w > ctx.now && (wake === null || w < wake)) wake = w
    }
    const picked = selectForDispatch({
      candidates,
      running: { total, byTenant },
      control: this.control,
      limits: ctx.config.limits,
      lastTenant: this.lastTenant,
    })
    for (const c of picked) outputs.push(dispatch(this.jobs.get(c.jobId)!, ctx))
    return { outputs, wakeAt: wake }
  }
}
