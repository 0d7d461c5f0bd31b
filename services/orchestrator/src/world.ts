import { isSweepEvent, type LogEvent } from '@zixly/contracts'
import { evolveControl, initialControl, mayDispatch, type DispatchControl } from './admission/control.ts'
import { Heap } from './admission/heap.ts'
import { SLOT_UNITS, slotUnits } from './admission/weight.ts'
import { dispatch, reconcile, type DecideContext, type Output } from './sweep/decide.ts'
import { evolve, holdsSlot, initialState, isTerminal, type Job } from './sweep/state.ts'

/** A job in a ready queue, with the FIFO key it was queued with (an entry whose job moved on is dropped when met). */
interface Ready {
  readonly jobId: string
  readonly readyAt: number
  readonly queuedSeq: number
}
/** A time at which a job may call for a decision (a deadline, a retry falling due), while its times are `sig`. */
interface Timer {
  readonly at: number
  readonly jobId: string
  readonly sig: string
}

const fifo = (a: Ready, b: Ready) => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.queuedSeq < b.queuedSeq)

/**
 * What a job's timers depend on: progress events change the state object but not its deadlines, so
 * they leave its timers live (no new ones); a timer whose job's signature changed is dropped when met.
 */
function sigOf(job: Job | undefined): string {
  if (job === undefined) return ''
  if (job.status === 'waiting') return `w:${job.readyAt}:${job.jobDeadlineAt}`
  if (job.status === 'dispatched' || job.status === 'running') return `r:${job.attemptDeadlineAt}:${job.jobDeadlineAt}`
  return ''
}

/** The times at which `reconcile` or admission may decide something new for this state (deadlines plus `grace`). */
function timesOf(job: Job, grace: number): number[] {
  const out: number[] = []
  if (job.status === 'waiting') {
    out.push(job.readyAt)
    if (job.jobDeadlineAt !== null) out.push(job.jobDeadlineAt)
  } else if (job.status === 'dispatched' || job.status === 'running') {
    if (job.attemptDeadlineAt !== null) out.push(job.attemptDeadlineAt + grace)
    if (job.jobDeadlineAt !== null) out.push(job.jobDeadlineAt + grace)
  }
  return out
}

/**
 * Everything the orchestrator knows, rebuilt from the log: each job's state (folded by the pure
 * `evolve`), the dispatch switches, and the tenant served last (where round-robin continues). It is
 * a mutable index over immutable job states, kept up to date by `apply`, so that a decision round costs
 * O(log n) in the backlog, not O(n): the slots in use (total and per tenant), FIFO queues of
 * dispatchable jobs per priority and tenant (binary heaps), a heap of the times at which a job's state
 * may call for a decision (deadlines, retries falling due), and the few jobs that need one now. Every
 * rule it applies is a pure function (`reconcile`, `dispatch`, the order of `selectForDispatch`).
 */
export class World {
  readonly jobs = new Map<string, Job>()
  private readonly open = new Set<string>()
  control: DispatchControl = initialControl()
  lastTenant: string | null = null

  /** Quarters of a slot each open job takes (`slotUnits`: it depends only on the job's params). */
  private readonly units = new Map<string, number>()
  /** What attempts holding a slot take, in quarters of a slot: in total and per tenant. */
  private running = 0
  private readonly runningByTenant = new Map<string, number>()
  /** Dispatchable jobs: priority → tenant → FIFO heap. */
  private readonly ready = new Map<number, Map<string, Heap<Ready>>>()
  /** Jobs with a live entry in `ready`, and that entry's `queuedSeq`. */
  private readonly inReady = new Map<string, number>()
  private readonly timers = new Heap<Timer>((a, b) => a.at < b.at)
  /** Jobs whose state may call for a decision now (`reconcile`), until it answers nothing or they change. */
  private readonly check = new Set<string>()
  /** When each open job was opened: `reconcile`'s decisions come in that order (as the log had them). */
  private readonly opened = new Map<string, number>()
  private nextOpened = 0

  /** `slotPairs`: see `SagaConfig.limits` (the same value); without it every job takes a whole slot. */
  constructor(private readonly slotPairs?: number) {}

  private unitsOf(id: string, job: Job): number {
    let u = this.units.get(id)
    if (u === undefined) this.units.set(id, (u = slotUnits(job.params, this.slotPairs)))
    return u
  }

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
    if (isTerminal(after)) {
      this.open.delete(id)
      this.opened.delete(id)
    } else if (!this.open.has(id)) {
      this.open.add(id)
      this.opened.set(id, this.nextOpened++)
    }
    if (
      event.type === 'SweepDispatched' &&
      after.status === 'dispatched' &&
      before?.attempt !== after.attempt
    )
      this.lastTenant = after.tenantId
    if (after !== before) this.index(id, before, after)
    return after
  }

  /** Keeps the indexes in step with a job's new state. */
  private index(id: string, before: Job | undefined, after: Job): void {
    const held = before !== undefined && holdsSlot(before)
    const holds = holdsSlot(after)
    if (held !== holds) {
      const units = this.unitsOf(id, after)
      this.running += holds ? units : -units
      const n = (this.runningByTenant.get(after.tenantId) ?? 0) + (holds ? units : -units)
      if (n > 0) this.runningByTenant.set(after.tenantId, n)
      else this.runningByTenant.delete(after.tenantId)
    }
    // Entries and timers of the previous state are stale now (dropped when met).
    this.inReady.delete(id)
    this.check.delete(id)
    // A finished job holds no slot: its weight is not needed again.
    if (isTerminal(after)) this.units.delete(id)
    if (after.status === 'queued') this.enqueue(id, after)
    else if (after.status === 'failing') this.check.add(id)
    // Without the grace here (no config): a timer that fires early is re-armed by `plan`.
    const sig = sigOf(after)
    if (sig !== '' && sig !== sigOf(before)) for (const at of timesOf(after, 0)) this.timers.push({ at, jobId: id, sig })
  }

  private enqueue(id: string, job: Job): void {
    let level = this.ready.get(job.params.priority)
    if (!level) this.ready.set(job.params.priority, (level = new Map<string, Heap<Ready>>()))
    let queue = level.get(job.tenantId)
    if (!queue) level.set(job.tenantId, (queue = new Heap(fifo)))
    queue.push({ jobId: id, readyAt: job.readyAt, queuedSeq: job.queuedSeq })
    this.inReady.set(id, job.queuedSeq)
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
    const now = ctx.now
    for (let t = this.timers.peek(); t !== undefined && t.at <= now; t = this.timers.peek()) {
      this.timers.pop()
      const job = this.jobs.get(t.jobId)
      if (job === undefined || sigOf(job) !== t.sig) continue
      if (job.status === 'waiting' && job.readyAt <= now && this.inReady.get(t.jobId) !== job.queuedSeq)
        this.enqueue(t.jobId, job)
      this.check.add(t.jobId)
    }
    const outputs: Output[] = []
    const due = new Set<string>()
    const order = (id: string) => this.opened.get(id) ?? Infinity
    for (const id of [...this.check].sort((a, b) => order(a) - order(b))) {
      if (skip.has(id)) continue
      const job = this.jobs.get(id)!
      const decided = reconcile(job, ctx)
      if (decided.length > 0) {
        outputs.push(...decided)
        due.add(id)
        continue
      }
      this.check.delete(id)
      const sig = sigOf(job)
      for (const at of timesOf(job, ctx.config.timeoutGraceMs)) if (at > now) this.timers.push({ at, jobId: id, sig })
    }
    for (const job of this.select(ctx, skip, due)) outputs.push(dispatch(job, ctx))
    let next = this.timers.peek()
    while (next !== undefined && sigOf(this.jobs.get(next.jobId)) !== next.sig) {
      this.timers.pop()
      next = this.timers.peek()
    }
    return { outputs, wakeAt: next?.at ?? null }
  }

  /**
   * Which ready jobs get the free slots, in order: the same rule as `selectForDispatch` (highest
   * priority first; among equal priority the next tenant after the last one served, round-robin in
   * tenant-id order; FIFO within a tenant; paused tenants and those whose next job does not fit skipped;
   * the round ends at a job that does not fit the global limit), read off the queues.
   */
  private select(ctx: DecideContext, skip: ReadonlySet<string>, due: ReadonlySet<string>): Job[] {
    const global = ctx.config.limits.global * SLOT_UNITS
    const perTenant = ctx.config.limits.perTenant * SLOT_UNITS
    if (this.running >= global || this.control.global || this.inReady.size === 0) return []
    const picked: Job[] = []
    let total = this.running
    const byTenant = new Map(this.runningByTenant)
    let last = this.lastTenant
    // Entries taken off a queue for this round (picked, or skipped for now): put back at the end.
    const aside: Array<[Heap<Ready>, Ready]> = []
    const priorities = [...this.ready.keys()].sort((a, b) => b - a)
    while (total < global) {
      let next: Job | undefined
      for (const p of priorities) {
        const level = this.ready.get(p)!
        const open: string[] = []
        for (const [tenant, queue] of level) {
          if (!mayDispatch(this.control, tenant)) continue
          const head = this.head(queue, skip, due, aside)
          if (head !== undefined && (byTenant.get(tenant) ?? 0) + this.unitsOf(head.jobId, this.jobs.get(head.jobId)!) <= perTenant)
            open.push(tenant)
        }
        if (open.length === 0) continue
        open.sort()
        const tenant = (last === null ? undefined : open.find((t) => t > last!)) ?? open[0]!
        const queue = level.get(tenant)!
        const entry = queue.pop()!
        aside.push([queue, entry])
        next = this.jobs.get(entry.jobId)!
        break
      }
      if (next === undefined) break
      const units = this.unitsOf(next.jobId, next)
      if (total + units > global) break
      picked.push(next)
      total += units
      byTenant.set(next.tenantId, (byTenant.get(next.tenantId) ?? 0) + units)
      last = next.tenantId
    }
    // A picked job leaves its queue once its dispatch is folded in (its entry is then stale).
    for (const [queue, entry] of aside) queue.push(entry)
    for (const [p, level] of this.ready) {
      for (const [tenant, queue] of level) if (queue.size === 0) level.delete(tenant)
      if (level.size === 0) this.ready.delete(p)
    }
    return picked
  }

  /** The first dispatchable entry of a queue: drops entries whose job moved on, sets skipped ones aside. */
  private head(
    queue: Heap<Ready>,
    skip: ReadonlySet<string>,
    due: ReadonlySet<string>,
    aside: Array<[Heap<Ready>, Ready]>,
  ): Ready | undefined {
    for (let top = queue.peek(); top !== undefined; top = queue.peek()) {
      const job = this.jobs.get(top.jobId)
      const live =
        job !== undefined &&
        (job.status === 'queued' || job.status === 'waiting') &&
        job.queuedSeq === top.queuedSeq &&
        this.inReady.get(top.jobId) === top.queuedSeq
      if (!live) queue.pop()
      else if (skip.has(top.jobId) || due.has(top.jobId)) aside.push([queue, queue.pop()!])
      else return top
    }
    return undefined
  }
}
